import assert from "node:assert/strict";
import { REDACTED, redactText } from "../../lib/redact/mod.ts";

Deno.test("redactText() hides CLI flag values separated by =, space or tab", () => {
  assert.equal(redactText("app --password=hunter2 -v"), `app --password=${REDACTED} -v`);
  assert.equal(redactText("app --token abc -v"), `app --token ${REDACTED} -v`);
  assert.equal(redactText("app -pwd\tabc"), `app -pwd\t${REDACTED}`);
  assert.equal(
    redactText("app --api-key k --apikey k --api_key k"),
    `app --api-key ${REDACTED} --apikey ${REDACTED} --api_key ${REDACTED}`,
  );
  assert.equal(
    redactText("app --secret s --credential c"),
    `app --secret ${REDACTED} --credential ${REDACTED}`,
  );
});

Deno.test("redactText() hides quoted CLI flag values and keeps the quotes", () => {
  assert.equal(redactText(`app --password "a \\"b\\" c" -v`), `app --password "${REDACTED}" -v`);
  assert.equal(redactText("app --token 'a b' -v"), `app --token '${REDACTED}' -v`);
  assert.equal(redactText(`app --secret "unterminated value`), `app --secret "${REDACTED}`);
});

Deno.test("redactText() hides OpenSSL -pass, -passin and -passout arguments", () => {
  assert.equal(
    redactText("openssl enc -aes-256-cbc -pass pass:s3cret -in x"),
    `openssl enc -aes-256-cbc -pass ${REDACTED} -in x`,
  );
  assert.equal(
    redactText("openssl pkcs12 -passin pass:a -passout env:B"),
    `openssl pkcs12 -passin ${REDACTED} -passout ${REDACTED}`,
  );
});

Deno.test("redactText() keeps backslash escapes inside a bare CLI flag value", () => {
  assert.equal(redactText("app --password a\\ b -v"), `app --password ${REDACTED} -v`);
});

Deno.test("redactText() hides hyphenated flag names such as --db-password and --client-secret", () => {
  assert.equal(
    redactText("app --db-password p --client-secret s --aws-secret-access-key k"),
    `app --db-password ${REDACTED} --client-secret ${REDACTED} --aws-secret-access-key ${REDACTED}`,
  );
});

Deno.test("redactText() hides PowerShell parameters in any case", () => {
  assert.equal(
    redactText("New-Thing -Password 'x' -ApiKey y"),
    `New-Thing -Password '${REDACTED}' -ApiKey ${REDACTED}`,
  );
});

Deno.test("redactText() never swallows a following --flag, a lone dash or a subexpression", () => {
  for (
    const text of [
      "app --token --verbose",
      "docker login --password -",
      "Connect -Credential (Get-Credential)",
      "app --token",
      "app --token=",
    ]
  ) assert.equal(redactText(text), text);
  assert.equal(redactText("app --token -x"), `app --token ${REDACTED}`);
});

Deno.test("redactText() keeps flags that only contain a keyword", () => {
  for (
    const text of [
      "Get-Credential foo",
      "git-credential fill",
      "app --password-file /run/pw",
      "app --tokenizer bpe",
      "app --token-type bearer",
      "pg_dump --no-password mydb",
      "docker login --password-stdin",
      "x-token value",
      "make --passes 3",
      "app --bypass x",
    ]
  ) assert.equal(redactText(text), text);
});

Deno.test("redactText() hides a ConvertTo-SecureString operand after up to eight switches", () => {
  assert.equal(
    redactText("ConvertTo-SecureString 'P@ss' -AsPlainText -Force"),
    `ConvertTo-SecureString '${REDACTED}' -AsPlainText -Force`,
  );
  assert.equal(
    redactText('convertto-securestring -AsPlainText -Force -String "P@ss w"'),
    `convertto-securestring -AsPlainText -Force -String "${REDACTED}"`,
  );
  assert.equal(
    redactText("ConvertTo-SecureString -Force:$true P@ss; next"),
    `ConvertTo-SecureString -Force:$true ${REDACTED}; next`,
  );
  assert.equal(
    redactText("ConvertTo-SecureString 'it''s' -AsPlainText"),
    `ConvertTo-SecureString '${REDACTED}' -AsPlainText`,
  );
});

Deno.test("redactText() hides the string piped into ConvertTo-SecureString", () => {
  assert.equal(
    redactText('$s = "P@ss" | ConvertTo-SecureString -AsPlainText -Force'),
    `$s = "${REDACTED}" | ConvertTo-SecureString -AsPlainText -Force`,
  );
});

Deno.test("redactText() keeps ConvertTo-SecureString variables, switches and pipelines", () => {
  for (
    const text of [
      "ConvertTo-SecureString $enc -Key $key",
      "$pw | ConvertTo-SecureString -AsPlainText -Force",
      "ConvertTo-SecureString -AsPlainText -Force",
      "ConvertTo-SecureString (Read-Host)",
      "ConvertTo-SecureString",
      "'a' | ConvertFrom-SecureString",
    ]
  ) assert.equal(redactText(text), text);
});

Deno.test("redactText() gives up on the operand after eight switches", () => {
  const switches = " -A -B -C -D -E -F -G -H -I";
  const text = `ConvertTo-SecureString${switches} operand`;
  assert.equal(redactText(text), text);
});
