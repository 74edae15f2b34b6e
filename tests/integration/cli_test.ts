/** The command line: --version, --help, check-config, audit verify / tail, and config errors. */
import assert from "node:assert/strict";
import { integrationTest, makeState, readAudit, ROOT, startStdio } from "../helpers/server.ts";

async function cli(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=relay-shell", "--no-prompt", "main.ts", ...args],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

integrationTest("relay-shell --version and --help", async () => {
  const st = await makeState();
  try {
    const v = await cli(["--version"], st.env);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^relay-shell \d+\.\d+\.\d+ \(deno 2\.9\.\d+\)\n$/);
    const h = await cli(["--help"], st.env);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /audit verify/);
    const bad = await cli(["frobnicate"], st.env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown command "frobnicate"/);
  } finally {
    await st.cleanup();
  }
});

integrationTest(
  "relay-shell check-config exits 0 when valid and 2 naming the bad variable",
  async () => {
    const st = await makeState();
    try {
      const ok = await cli(["check-config", "--json"], st.env);
      assert.equal(ok.code, 0, ok.stderr);
      const report = JSON.parse(ok.stdout);
      assert.equal(report.ok, true);
      assert.ok(report.tools.includes("shell_exec"));
      const bad = await cli(["check-config"], { ...st.env, RELAY_SHELL_MAX_TIMEOUT: "forever" });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /RELAY_SHELL_MAX_TIMEOUT: must be an integer/);
      const re = await cli(["check-config"], { ...st.env, RELAY_SHELL_POLICY_DENY: "(?=x)" });
      assert.equal(re.code, 2);
      assert.match(re.stderr, /RELAY_SHELL_POLICY_DENY/);
      const degraded = await cli(["check-config"], { ...st.env, RELAY_SHELL_AUDIT_PATH: st.dir });
      assert.equal(degraded.code, 2, "a degraded audit sink fails the check");
      assert.match(degraded.stdout, /DEGRADED/);
    } finally {
      await st.cleanup();
    }
  },
);

integrationTest("relay-shell serve refuses an invalid configuration with exit 2", async () => {
  const st = await makeState({ RELAY_SHELL_TRANSPORT: "carrier-pigeon" });
  try {
    const r = await cli([], st.env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /RELAY_SHELL_TRANSPORT: must be one of stdio, http/);
  } finally {
    await st.cleanup();
  }
});

integrationTest(
  "relay-shell audit verify exits 0 on an intact chain and 2 on a break; audit tail reads it",
  async () => {
    const st = await makeState();
    try {
      const s = await startStdio("v2", {
        RELAY_SHELL_STATE_DIR: st.dir,
        RELAY_SHELL_AUDIT_PATH: st.auditPath,
      });
      for (let i = 0; i < 3; i++) {
        await s.client.callTool({ name: "shell_exec", arguments: { command: `echo ${i}` } });
      }
      await s.close();
      const ok = await cli(["audit", "verify", "--path", st.auditPath, "--json"], st.env);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.equal(JSON.parse(ok.stdout).ok, true);
      const viaConfig = await cli(["audit", "verify"], st.env);
      assert.equal(viaConfig.code, 0, "the path comes from RELAY_SHELL_AUDIT_PATH by default");
      const tail = await cli([
        "audit",
        "tail",
        "--path",
        st.auditPath,
        "--json",
        "--tool",
        "shell_exec",
      ], st.env);
      assert.equal(tail.code, 0);
      assert.equal(JSON.parse(tail.stdout).length, 3);
      // Tamper with the middle record: the chain breaks there.
      const recs = await readAudit(st.auditPath);
      (recs[1].args as Record<string, unknown>).command = "echo tampered";
      await Deno.writeTextFile(st.auditPath, recs.map((r) => JSON.stringify(r)).join("\n") + "\n");
      const broken = await cli(["audit", "verify", "--path", st.auditPath], st.env);
      assert.equal(broken.code, 2);
      assert.match(broken.stdout, /audit chain BROKEN .* at line 2/);
      const missing = await cli(["audit", "verify", "--path", `${st.dir}/none.jsonl`], st.env);
      assert.equal(missing.code, 2, "fail-closed on a missing file");
    } finally {
      await st.cleanup();
    }
  },
);
