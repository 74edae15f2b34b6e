import assert from "node:assert/strict";
import { REDACTED, redactText } from "../../lib/redact/mod.ts";
import { fake, fakeJwt, fakePem } from "./_fixtures.ts";

Deno.test("redactText() keeps private-key markers and hides the body", () => {
  for (const type of ["RSA", "EC", "OPENSSH", "ENCRYPTED", ""]) {
    const pem = fakePem(type);
    const [begin, end] = [pem.split("\n")[0], pem.split("\n").at(-1)];
    assert.equal(redactText(`key:\n${pem}\ndone`), `key:\n${begin}\n${REDACTED}\n${end}\ndone`);
  }
});

Deno.test("redactText() hides a private key written with JSON-escaped newlines", () => {
  const pem = fakePem("RSA").replaceAll("\n", "\\n");
  assert.equal(
    redactText(`{"key": "${pem}"}`),
    `{"key": "-----BEGIN RSA PRIVATE KEY-----${REDACTED}-----END RSA PRIVATE KEY-----"}`,
  );
});

Deno.test("redactText() hides the key-looking text after a BEGIN marker without END", () => {
  const body = fake("MIIE", 200, "AbCdEf0123+/");
  assert.equal(
    redactText(`-----BEGIN PRIVATE KEY-----\n${body}\n(truncated)`),
    `-----BEGIN PRIVATE KEY-----\n${REDACTED}\n(truncated)`,
  );
});

Deno.test("redactText() hides at most 8192 body characters when no END is in reach", () => {
  const body = "A".repeat(9000);
  const out = redactText(`-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`);
  assert.equal(
    out,
    `-----BEGIN RSA PRIVATE KEY-----\n${REDACTED}${
      "A".repeat(9000 - 8191)
    }\n-----END RSA PRIVATE KEY-----`,
  );
  assert.equal(redactText(out), out);
});

Deno.test("redactText() keeps public keys, certificates and bare markers", () => {
  for (
    const text of [
      "-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----",
      "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----",
      "-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----",
      "grep -l 'PRIVATE KEY' ~/.ssh/*",
    ]
  ) assert.equal(redactText(text), text);
});

const TOKENS: readonly [string, string][] = [
  ["a GitHub fine-grained PAT", fake("github_pat_", 82)],
  ["a GitHub classic PAT", fake("ghp_", 36)],
  ["a GitHub app token", fake("ghs_", 36)],
  ["an OpenAI project key", fake("sk-proj-", 40, "aB3_-x9Z")],
  ["an OpenAI legacy key", fake("sk-", 48)],
  ["an Anthropic key", fake("sk-ant-api03-", 40, "aB3_-x9Z")],
  ["a Hugging Face token", fake("hf_", 34)],
  ["an AWS access key id", fake("AKIA", 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")],
  ["an AWS temporary key id", fake("ASIA", 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")],
  ["a Slack bot token", fake("xoxb-", 40, "0123456789-abcdef")],
  ["a Google API key", fake("AIza", 35, "aB3_-x9Z")],
  ["a Google OAuth token", fake("ya29.", 60, "aB3_-x9Z.")],
  ["a Stripe live key", fake("sk_live_", 24)],
  ["a Stripe restricted key", fake("rk_test_", 24)],
  ["a GitLab PAT", fake("glpat-", 20)],
  ["an npm token", fake("npm_", 36)],
  ["a PyPI token", fake("pypi-AgEIcHlwaS5vcmc", 50, "aB3_-x9Z")],
  ["a JWT", fakeJwt()],
];

for (const [name, token] of TOKENS) {
  Deno.test(`redactText() hides ${name} whole`, () => {
    assert.equal(redactText(`use ${token} now`), `use ${REDACTED} now`);
    assert.equal(redactText(`"${token}"`), `"${REDACTED}"`);
  });
}

Deno.test("redactText() hides Slack webhook paths and keeps the host", () => {
  const url = `https://hooks.slack.com/services/${fake("T", 8)}/${fake("B", 8)}/${fake("", 24)}`;
  assert.equal(
    redactText(`curl -X POST ${url}`),
    `curl -X POST https://hooks.slack.com/services/${REDACTED}`,
  );
});

Deno.test("redactText() keeps strings that merely start like provider tokens", () => {
  for (
    const text of [
      "ghp_short",
      "pip install scikit-learn sk-learn",
      fake("task-", 20),
      fake("disk-", 24),
      fake("hf_", 20),
      "AKIA1234",
      fake("xAKIA", 16, "ABCDEFGHIJ"),
      "xoxb-123",
      "AIzaShort",
      "sk_live_123",
      "glpat-abc",
      "npm_abc",
      "eyJhbGciOiJIUzI1NiJ9",
      "eyJ.eyJ.sig",
      "https://hooks.slack.com/services/",
      "github_pat_abc",
    ]
  ) assert.equal(redactText(text), text);
});
