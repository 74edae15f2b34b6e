/** Random identifiers and tokens. */

/** Returns `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let s = "";
  for (const b of buf) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Returns an unguessable URL-safe token with `bytes` bytes of entropy (base64url, no padding). */
export function randomToken(bytes = 16): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let bin = "";
  for (const b of buf) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Returns a prefixed id such as `sh-1a2b3c4d5e6f7a8b9c0d1e2f` (96 random bits). */
export function newId(prefix: string): string {
  return `${prefix}-${randomHex(12)}`;
}
