import assert from "node:assert/strict";
import { buildChildEnv, validateEnvOverlay } from "../../lib/exec/mod.ts";

Deno.test("buildChildEnv() adds defaults, non-interactive settings and the overlay", () => {
  const env = buildChildEnv({
    base: { HOME: "/h", FOO: "1", BAR: "2" },
    overlay: { FOO: "x", BAR: null, NEW: "n" },
  });
  assert.equal(env.HOME, "/h");
  assert.equal(env.FOO, "x");
  assert.equal("BAR" in env, false);
  assert.equal(env.NEW, "n");
  assert.match(env.PATH, /\/usr\/bin/);
  assert.equal(env.LANG, "C.UTF-8");
  assert.equal(env.DEBIAN_FRONTEND, "noninteractive");
  assert.equal(env.GIT_TERMINAL_PROMPT, "0");
  assert.equal(env.PAGER, "cat");
  assert.equal(env.GIT_EDITOR, "true");
});

Deno.test("buildChildEnv() withholds the server's own settings and named credentials", () => {
  const env = buildChildEnv({
    base: { RELAY_SHELL_HTTP_TOKEN_FILE: "/secret", DB_PASSWORD: "pw", KEEP: "k", PATH: "/bin" },
    withhold: ["DB_PASSWORD"],
  });
  assert.equal("RELAY_SHELL_HTTP_TOKEN_FILE" in env, false);
  assert.equal("DB_PASSWORD" in env, false);
  assert.equal(env.KEEP, "k");
  assert.equal(env.PATH, "/bin");
});

Deno.test("validateEnvOverlay() names the bad key", () => {
  assert.throws(
    () => validateEnvOverlay({ "1BAD": "x" }),
    /env: "1BAD" is not a valid variable name/,
  );
  assert.throws(
    () => validateEnvOverlay({ OK: 3 as unknown as string }),
    /env\.OK: must be a string/,
  );
  assert.throws(() => validateEnvOverlay({ OK: "a\0b" }), /NUL/);
  assert.deepEqual(validateEnvOverlay({ A: "1", B: null }), { A: "1", B: null });
});
