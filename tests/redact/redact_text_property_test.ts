import assert from "node:assert/strict";
import fc from "fast-check";
import { REDACTED, Redactor, redactText } from "../../lib/redact/mod.ts";
import { fake } from "./_fixtures.ts";

const RUNS = { numRuns: 300, seed: 20240611 };

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const anyText = fc.string({ unit: codeUnit, maxLength: 200 });

/** Fragments that exercise the rules and their interactions. */
const FRAGMENTS = [
  "password",
  "token",
  "pwd",
  "secret",
  "api_key",
  "=",
  ":",
  " ",
  "\t",
  "\n",
  '"',
  "'",
  "://",
  "@",
  "/",
  "Authorization",
  "Proxy-Authorization: ",
  "Bearer ",
  "Basic ",
  "--",
  "-",
  "-p",
  "mysql ",
  "sshpass ",
  "curl ",
  "-u ",
  "redis-cli ",
  "-a ",
  "ConvertTo-SecureString ",
  "-AsPlainText",
  " | ",
  " && ",
  ";",
  "$x",
  "(",
  ")",
  "-----BEGIN RSA PRIVATE KEY-----",
  "-----END RSA PRIVATE KEY-----",
  "eyJhbGciOiJIUzI1NiJ9",
  ".",
  "eyJzdWIiOiIx",
  "ghp_",
  "abcdefghijklmnopqrstuvwxyz0123456789",
  "sk-",
  "AKIA",
  "ABCDEFGHIJKLMNOP",
  REDACTED,
  "AccountKey=",
  "&sig=",
  "\\",
  "hooks.slack.com/services/",
  "=>",
  '"-p',
  "--user ",
  "`",
];
const ruleText = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: codeUnit, maxLength: 4 })), {
    maxLength: 40,
  })
  .map((parts) => parts.join(""));

Deno.test("redactText() never throws on arbitrary strings, lone surrogates included", () => {
  fc.assert(
    fc.property(fc.oneof(anyText, ruleText), (text) => {
      assert.equal(typeof redactText(text), "string");
    }),
    RUNS,
  );
});

Deno.test("redactText() is idempotent", () => {
  fc.assert(
    fc.property(fc.oneof(ruleText, anyText), (text) => {
      const once = redactText(text);
      assert.equal(redactText(once), once);
    }),
    RUNS,
  );
});

Deno.test("redactText() leaves the placeholder itself unchanged", () => {
  for (const text of [REDACTED, `x ${REDACTED} y`, `password=${REDACTED}`, `-p${REDACTED}`]) {
    assert.equal(redactText(text), text);
  }
});

const payload = fc.string({
  unit: fc.constantFrom(..."abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"),
  minLength: 12,
  maxLength: 24,
});

/** Realistic ways a secret `p` ends up in a command line, log line or config fragment. */
const KEPT_KEY_TEMPLATES: readonly ((p: string) => string)[] = [
  (p) => `password=${p}`,
  (p) => `{"api_key": "${p}"}`,
  (p) => `DB_PASSWORD='${p}'`,
  (p) => `aws_secret_access_key = ${p}`,
  (p) => `--token ${p}`,
  (p) => `--client-secret="${p}"`,
  (p) => `Authorization: Basic ${p}`,
  (p) => `-H 'Proxy-Authorization: Bearer ${p}'`,
  (p) => `Bearer ${p}`,
  (p) => `https://deploy:${p}@git.example.com/r.git`,
  (p) => `mysql -uroot -p${p} db`,
  (p) => `sshpass -p ${p} ssh -p22 host`,
  (p) => `curl -u admin:${p} https://x`,
  (p) => `redis-cli -a ${p}`,
  (p) => `AccountName=a;AccountKey=${p};`,
  (p) => `ConvertTo-SecureString '${p}' -AsPlainText -Force`,
  (p) => `-----BEGIN OPENSSH PRIVATE KEY-----\n${p}\n${p}\n-----END OPENSSH PRIVATE KEY-----`,
];

/** Provider tokens built around `p` (hidden whole). */
const TOKEN_TEMPLATES: readonly ((p: string) => string)[] = [
  (p) => `ghp_${(p + p).slice(0, 36)}`,
  (p) => `github_pat_${p}${p}`,
  (p) => `sk-proj-${p}${p}`,
  (p) => `sk-ant-api03-${p}${p}`,
  (p) => `AKIA${p.toUpperCase().replace(/[^A-Z0-9]/g, "Q").padEnd(16, "Z").slice(0, 16)}`,
  (p) => `xoxb-${p}`,
  (p) => `AIza${p}${p}${p}`,
  (p) => `glpat-${p}${p}`,
  (p) => `npm_${p}${p}${p}`,
  (p) => `hf_${p}${p}${p}`,
  (p) => `sk_live_${p}`,
  (p) => `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ${p}.${p}`,
];

/** A rendered secret and the part of it that must not survive. */
const injected = fc.oneof(
  fc.tuple(fc.constantFrom(...KEPT_KEY_TEMPLATES), payload).map(([t, p]) => ({
    text: t(p),
    secret: p,
  })),
  fc.tuple(fc.constantFrom(...TOKEN_TEMPLATES), payload).map(([t, p]) => ({
    text: t(p),
    secret: t(p).slice(-10),
  })),
);

Deno.test("redactText() never lets an injected secret survive in random surroundings", () => {
  const noise = fc.string({ unit: "binary", maxLength: 30 });
  fc.assert(
    fc.property(noise, injected, noise, (before, { text, secret }, after) => {
      fc.pre(!before.includes(secret) && !after.includes(secret));
      const out = redactText(`${before} ${text} ${after}`);
      assert.ok(
        !out.includes(secret),
        `${JSON.stringify(secret)} survived in ${JSON.stringify(out)}`,
      );
    }),
    { ...RUNS, numRuns: 600 },
  );
});

// Literal alphabet: no whitespace, brackets or capitals, so a literal can never be part of
// the placeholder or be re-formed around one.
const literal = fc.string({
  unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789_!@#%^*+=.-/:$"),
  minLength: 3,
  maxLength: 24,
});

Deno.test("Redactor never lets a registered value survive redact() or redactLiterals()", () => {
  fc.assert(
    fc.property(
      fc.array(literal, { minLength: 1, maxLength: 8 }),
      fc.array(fc.oneof(ruleText, anyText), { minLength: 1, maxLength: 9 }),
      (values, noise) => {
        const redactor = new Redactor();
        for (const v of values) redactor.register(v);
        const text = noise.map((n, i) => n + (values[i % values.length] ?? "")).join("");
        for (const out of [redactor.redact(text), redactor.redactLiterals(text)]) {
          for (const v of values) assert.ok(!out.includes(v), `${v} survived in ${out}`);
        }
      },
    ),
    RUNS,
  );
});

Deno.test("redactText() hides a fixed provider token in the property alphabet", () => {
  // Guards the template table above against silently testing nothing.
  assert.equal(redactText(fake("ghp_", 36)), REDACTED);
});
