import assert from "node:assert/strict";
import { ConfigError, envName, FIELDS, loadConfig } from "../../lib/config/mod.ts";

const HOME = { HOME: "/home/op" };

Deno.test("loadConfig() gives laptop defaults under ~/.local/state/relay-shell", () => {
  const c = loadConfig({ env: HOME });
  assert.equal(c.transport, "stdio");
  assert.equal(c.httpHost, "127.0.0.1");
  assert.equal(c.httpPort, 8080);
  assert.equal(c.maxOutput, 65536);
  assert.equal(c.maxOutputHard, 1048576);
  assert.equal(c.defaultTimeout, 60);
  assert.equal(c.maxTimeout, 900);
  assert.equal(c.policyMode, "open");
  assert.equal(c.confirmTier3, false);
  assert.equal(c.confirmTtl, 120);
  assert.equal(c.auditChain, true);
  assert.equal(c.stateDir, "/home/op/.local/state/relay-shell");
  assert.equal(c.auditPath, "/home/op/.local/state/relay-shell/audit.jsonl");
  assert.deepEqual(c.toolsets, [
    "local",
    "sessions",
    "ssh",
    "files",
    "forwards",
    "secrets",
    "admin",
  ]);
  assert.ok(Object.isFrozen(c));
});

Deno.test("loadConfig() reads every RELAY_SHELL_* variable", () => {
  const c = loadConfig({
    env: {
      ...HOME,
      RELAY_SHELL_TRANSPORT: "HTTP",
      RELAY_SHELL_HTTP_PORT: "9000",
      RELAY_SHELL_MAX_OUTPUT: "2048",
      RELAY_SHELL_POLICY_MODE: "guarded",
      RELAY_SHELL_POLICY_DENY: "rm -rf",
      RELAY_SHELL_CONFIRM_TIER3: "yes",
      RELAY_SHELL_STATE_DIR: "/var/lib/rs",
      RELAY_SHELL_AUDIT_CHAIN: "0",
      RELAY_SHELL_TOOLSETS: "local, admin",
    },
  });
  assert.equal(c.transport, "http");
  assert.equal(c.httpPort, 9000);
  assert.equal(c.maxOutput, 2048);
  assert.equal(c.policyMode, "guarded");
  assert.equal(c.policyDeny, "rm -rf");
  assert.equal(c.confirmTier3, true);
  assert.equal(c.auditPath, "/var/lib/rs/audit.jsonl");
  assert.equal(c.auditChain, false);
  assert.deepEqual(c.toolsets, ["local", "admin"]);
});

Deno.test("loadConfig() stops on an invalid value with a message naming the variable", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { RELAY_SHELL_MAX_OUTPUT: "abc" },
      /^RELAY_SHELL_MAX_OUTPUT: must be an integer between 1024 and 16777216/,
    ],
    [{ RELAY_SHELL_MAX_TIMEOUT: "0" }, /^RELAY_SHELL_MAX_TIMEOUT: must be at least 1/],
    [{ RELAY_SHELL_HTTP_PORT: "70000" }, /^RELAY_SHELL_HTTP_PORT: must be at most 65535/],
    [
      { RELAY_SHELL_POLICY_MODE: "lax" },
      /^RELAY_SHELL_POLICY_MODE: must be one of open, guarded, readonly/,
    ],
    [{ RELAY_SHELL_CONFIRM_TIER3: "maybe" }, /^RELAY_SHELL_CONFIRM_TIER3: must be true or false/],
    [{ RELAY_SHELL_TOOLSETS: "local,nope" }, /^RELAY_SHELL_TOOLSETS: each entry must be one of/],
    [
      { RELAY_SHELL_AUDIT_PATH: "relative.jsonl" },
      /^RELAY_SHELL_AUDIT_PATH: must be an absolute path/,
    ],
    [
      { RELAY_SHELL_MAX_OUTPUT: "999999", RELAY_SHELL_MAX_OUTPUT_HARD: "65536" },
      /must not exceed RELAY_SHELL_MAX_OUTPUT_HARD/,
    ],
    [
      { RELAY_SHELL_DEFAULT_TIMEOUT: "100", RELAY_SHELL_MAX_TIMEOUT: "50" },
      /must not exceed RELAY_SHELL_MAX_TIMEOUT/,
    ],
  ];
  for (const [env, re] of cases) {
    assert.throws(
      () => loadConfig({ env: { ...HOME, ...env } }),
      (e) => e instanceof ConfigError && re.test(e.message),
    );
  }
});

Deno.test("loadConfig() reads a YAML file and lets the environment win", () => {
  const files: Record<string, string> = {
    "/etc/rs.yaml":
      "max_output: 4096\npolicy_mode: readonly\nstate_dir: /srv/rs\ntoolsets: [local, admin]\n",
  };
  const read = (p: string) => {
    if (!(p in files)) throw new Deno.errors.NotFound(p);
    return files[p];
  };
  const c = loadConfig({
    env: { ...HOME, RELAY_SHELL_POLICY_MODE: "guarded" },
    file: "/etc/rs.yaml",
    readTextFile: read,
  });
  assert.equal(c.maxOutput, 4096);
  assert.equal(c.policyMode, "guarded");
  assert.equal(c.auditPath, "/srv/rs/audit.jsonl");
  assert.deepEqual(c.toolsets, ["local", "admin"]);
  assert.equal(c.configFile, "/etc/rs.yaml");
  const fromEnvVar = loadConfig({
    env: { ...HOME, RELAY_SHELL_CONFIG: "/etc/rs.yaml" },
    readTextFile: read,
  });
  assert.equal(fromEnvVar.policyMode, "readonly");
});

Deno.test("loadConfig() names the file key, unknown keys and unreadable files", () => {
  const read = (text: string) => () => text;
  assert.throws(
    () => loadConfig({ env: HOME, file: "/x.yaml", readTextFile: read("max_output: lots\n") }),
    /max_output \(in \/x\.yaml\): must be an integer/,
  );
  assert.throws(
    () => loadConfig({ env: HOME, file: "/x.yaml", readTextFile: read("max_outptu: 1\n") }),
    /max_outptu: unknown setting/,
  );
  assert.throws(
    () =>
      loadConfig({
        env: HOME,
        file: "/missing.yaml",
        readTextFile: () => {
          throw new Error("nope");
        },
      }),
    /RELAY_SHELL_CONFIG: cannot read \/missing\.yaml/,
  );
  assert.throws(
    () => loadConfig({ env: HOME, file: "/x.yaml", readTextFile: read("- a\n- b\n") }),
    /must hold a mapping/,
  );
});

Deno.test("every configuration field is documented in README.md", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  for (const f of FIELDS) assert.ok(readme.includes(envName(f)), `README lacks ${envName(f)}`);
});
