/**
 * Fake credentials for the redaction tests. They are assembled at run time from a prefix and
 * filler, so no token-shaped literal sits in the source for secret scanners to flag.
 */

/** `prefix` followed by `n` deterministic characters drawn from `alphabet`. */
export function fake(prefix: string, n: number, alphabet = "aB3dE5gH7jK9mN1pQ2sT4vW6yZ8"): string {
  let out = prefix;
  for (let i = 0; i < n; i++) out += alphabet[(i * 7 + 3) % alphabet.length];
  return out;
}

/** A three-part JWT-shaped token (header, payload, signature). */
export function fakeJwt(): string {
  const header = btoa(JSON.stringify({ alg: "HS256", typ: "JWT" })).replace(/=+$/, "");
  const payload = btoa(JSON.stringify({ sub: "1234567890", name: "x" })).replace(/=+$/, "");
  return `${header}.${payload}.${fake("", 43, "abcXYZ012_-")}`;
}

/** A PEM private-key block of the given type (`RSA`, `OPENSSH`, `` for PKCS#8). */
export function fakePem(type: string, lines = 4): string {
  const label = type === "" ? "PRIVATE KEY" : `${type} PRIVATE KEY`;
  const body = Array.from({ length: lines }, (_, i) => fake(`MIIE${i}`, 60, "AbCdEf0123+/")).join(
    "\n",
  );
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
}
