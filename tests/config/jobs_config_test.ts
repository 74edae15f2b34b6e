import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../lib/config/mod.ts";

const base = { RELAY_SHELL_STATE_DIR: "/tmp/rs-config" };

Deno.test("loadConfig() reads the job, spool and sudo settings with their defaults", () => {
  const c = loadConfig({ env: base });
  assert.equal(c.inlineWait, 30);
  assert.equal(c.jobSpoolMaxBytes, 64 * 1024 * 1024);
  assert.equal(c.jobSpoolTotalBytes, 1024 * 1024 * 1024);
  assert.equal(c.jobRetention, 86400);
  assert.equal(c.sudoPasswordEnv, "");
  const d = loadConfig({
    env: { ...base, RELAY_SHELL_INLINE_WAIT: "0", RELAY_SHELL_SUDO_PASSWORD_ENV: "MY_PW" },
  });
  assert.equal(d.inlineWait, 0);
  assert.equal(d.sudoPasswordEnv, "MY_PW");
});

Deno.test("loadConfig() refuses a window over 55 s, a per-job spool above the total, a bad variable name", () => {
  assert.throws(
    () => loadConfig({ env: { ...base, RELAY_SHELL_INLINE_WAIT: "56" } }),
    (e: Error) =>
      e instanceof ConfigError && /RELAY_SHELL_INLINE_WAIT: must be at most 55/.test(e.message),
  );
  assert.throws(
    () =>
      loadConfig({
        env: {
          ...base,
          RELAY_SHELL_JOB_SPOOL_MAX_BYTES: "10000000",
          RELAY_SHELL_JOB_SPOOL_TOTAL_BYTES: "2000000",
        },
      }),
    /RELAY_SHELL_JOB_SPOOL_MAX_BYTES: must not exceed RELAY_SHELL_JOB_SPOOL_TOTAL_BYTES/,
  );
  assert.throws(
    () => loadConfig({ env: { ...base, RELAY_SHELL_SUDO_PASSWORD_ENV: "not a name" } }),
    /RELAY_SHELL_SUDO_PASSWORD_ENV: must be an environment variable name/,
  );
});
