import assert from "node:assert/strict";
import { REDACTED, redactText } from "../../lib/redact/mod.ts";

Deno.test("redactText() hides URL credentials and keeps scheme and host", () => {
  assert.equal(
    redactText("git clone https://bob:s3cr3t@example.com/r.git"),
    `git clone https://${REDACTED}@example.com/r.git`,
  );
  assert.equal(
    redactText("postgres://app:p@ss:w0rd@db:5432/x"),
    `postgres://${REDACTED}@db:5432/x`,
  );
  assert.equal(redactText("redis://:hunter2@cache:6379"), `redis://${REDACTED}@cache:6379`);
});

Deno.test("redactText() keeps URLs without a password", () => {
  for (
    const text of [
      "ssh://git@github.com:22/x.git",
      "http://example.com:8080/a@b",
      "https://example.com:8443?who=a@b",
      "see https://example.com/ for details",
    ]
  ) assert.equal(redactText(text), text);
});

Deno.test("redactText() keeps the header name and hides a Basic credential", () => {
  assert.equal(
    redactText('curl -H "Authorization: Basic dXNlcjpwYXNz" https://x'),
    `curl -H "Authorization: Basic ${REDACTED}" https://x`,
  );
  assert.equal(
    redactText("proxy-authorization=Negotiate YIIabc"),
    `proxy-authorization=Negotiate ${REDACTED}`,
  );
});

Deno.test("redactText() hides a whole Authorization value across commas up to a spaced operator", () => {
  const sigv4 = "Authorization: AWS4-HMAC-SHA256 Credential=AKID/2024/us-east-1/s3/aws4_request, " +
    "SignedHeaders=host;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027";
  assert.equal(redactText(`${sigv4} && ls`), `Authorization: AWS4-HMAC-SHA256 ${REDACTED} && ls`);
  assert.equal(
    redactText("Authorization: abc,def | grep x\nnext"),
    `Authorization: ${REDACTED} | grep x\nnext`,
  );
});

Deno.test("redactText() hides quoted Authorization values in JSON and Python dicts", () => {
  assert.equal(
    redactText('{"Authorization": "Bearer abc.def", "Accept": "x"}'),
    `{"Authorization": "Bearer ${REDACTED}", "Accept": "x"}`,
  );
  assert.equal(
    redactText("{'authorization': 'token abc'}"),
    `{'authorization': 'token ${REDACTED}'}`,
  );
});

Deno.test("redactText() keeps Authorization when no value follows", () => {
  for (const text of ["Authorization:", "authorization failed for user", "Authorization: \nx"]) {
    assert.equal(redactText(text), text);
  }
});

Deno.test("redactText() hides a Bearer token outside a header", () => {
  assert.equal(redactText("--header=Bearer abc.DEF-123_x="), `--header=Bearer ${REDACTED}`);
  assert.equal(redactText("bearer  tok~en+/"), `bearer  ${REDACTED}`);
});

Deno.test("redactText() keeps Bearer without a token or inside a word", () => {
  for (const text of ["Bearer", "Bearer\nx", "forbearer x", `Bearer ${REDACTED}`]) {
    assert.equal(redactText(text), text);
  }
});

Deno.test("redactText() hides keyword assignments without a left word boundary", () => {
  assert.equal(redactText("DB_PASSWORD=hunter2 ./run"), `DB_PASSWORD=${REDACTED} ./run`);
  assert.equal(redactText("export GITHUB_TOKEN=abc"), `export GITHUB_TOKEN=${REDACTED}`);
  assert.equal(redactText("api-key: k1 apikey=k2"), `api-key: ${REDACTED} apikey=${REDACTED}`);
  assert.equal(redactText("client_secret = s"), `client_secret = ${REDACTED}`);
  assert.equal(redactText("$pwd := x passwd=>y"), `$pwd := ${REDACTED} passwd=>${REDACTED}`);
  assert.equal(redactText("X-Auth-Token: abc"), `X-Auth-Token: ${REDACTED}`);
});

Deno.test("redactText() ends a bare keyword value only at whitespace or a quote", () => {
  // Erring on the side of hiding too much: `;`, `&` and `,` may be part of a password.
  assert.equal(redactText("PASSWORD=a;b&c,d e"), `PASSWORD=${REDACTED} e`);
  assert.equal(redactText("?token=abc&page=2 x"), `?token=${REDACTED} x`);
});

Deno.test("redactText() hides quoted keyword values whole and keeps the quotes", () => {
  assert.equal(
    redactText('{"password": "a b c", "api_key":"k", "user": "bob"}'),
    `{"password": "${REDACTED}", "api_key":"${REDACTED}", "user": "bob"}`,
  );
  assert.equal(redactText(`password='it is'`), `password='${REDACTED}'`);
  assert.equal(redactText(`token="esc\\"aped" next`), `token="${REDACTED}" next`);
  assert.equal(redactText(`secret="unterminated rest`), `secret="${REDACTED}`);
});

Deno.test("redactText() keeps near-miss keyword assignments", () => {
  for (
    const text of [
      "tokenizer=bpe",
      "password_min_length=8",
      "max_tokens=100",
      "passwordless=true",
      "credential.helper=store",
      "secretName: db-creds",
      "kind: Secret",
      "PWD=/home/me OLDPWD=~/src",
      '"password": ""',
      "token:",
      "Token::new()",
    ]
  ) assert.equal(redactText(text), text);
});

Deno.test("redactText() hides AWS secret access keys in every spelling", () => {
  const value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  for (
    const key of [
      "aws_secret_access_key",
      "AWS_SECRET_ACCESS_KEY",
      "secret-access-key",
      "SecretAccessKey",
    ]
  ) assert.equal(redactText(`${key}=${value}`), `${key}=${REDACTED}`);
  assert.equal(redactText(`"SecretAccessKey": "${value}"`), `"SecretAccessKey": "${REDACTED}"`);
});

Deno.test("redactText() keeps AWS key names that carry no secret", () => {
  for (const text of ["aws_access_key_id_file=/x", "secret_access_key_path /etc/x"]) {
    assert.equal(redactText(text), text);
  }
});

Deno.test("redactText() hides Azure account keys and SAS signatures", () => {
  assert.equal(
    redactText("AccountName=acct;AccountKey=abc+/def==;EndpointSuffix=core.windows.net"),
    `AccountName=acct;AccountKey=${REDACTED};EndpointSuffix=core.windows.net`,
  );
  assert.equal(
    redactText("Endpoint=sb://x/;SharedAccessKeyName=Root;SharedAccessKey=k3y="),
    `Endpoint=sb://x/;SharedAccessKeyName=Root;SharedAccessKey=${REDACTED}`,
  );
  assert.equal(
    redactText("https://a.blob.core.windows.net/c/b?sv=2022&sig=abcdEFGH1234%2B%2Fijkl%3D&se=1"),
    `https://a.blob.core.windows.net/c/b?sv=2022&sig=${REDACTED}&se=1`,
  );
});

Deno.test("redactText() keeps short signatures and other Azure fields", () => {
  for (
    const text of [
      "?sig=short",
      "?signature=abcdefghijklmnopqrstuvwxyz",
      "SharedAccessKeyName=RootManageSharedAccessKey",
      "AccountKey=",
    ]
  ) assert.equal(redactText(text), text);
});
