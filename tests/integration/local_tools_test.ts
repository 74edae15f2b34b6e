/** shell_script, shell_exec options and audit_tail through the real stdio server. */
import assert from "node:assert/strict";
import { integrationTest, readAudit, startStdio, textOf } from "../helpers/server.ts";

integrationTest("shell_script runs bash strictly, sh without pipefail, and python3", async () => {
  const s = await startStdio();
  try {
    const bash = await s.client.callTool({
      name: "shell_script",
      arguments: { script: "echo one\nfalse | true\nfalse\necho never" },
    });
    assert.equal(bash.structuredContent?.exit_code, 1);
    assert.equal(bash.structuredContent?.output, "one\n");
    const lax = await s.client.callTool({
      name: "shell_script",
      arguments: { script: "false\necho after", strict: false },
    });
    assert.equal(lax.structuredContent?.output, "after\n");
    const sh = await s.client.callTool({
      name: "shell_script",
      arguments: {
        script: 'echo "$0" | grep -q script && echo dash-ok\nexit 0',
        interpreter: "sh",
      },
    });
    assert.equal(sh.structuredContent?.exit_code, 0, textOf(sh));
    assert.equal(sh.structuredContent?.output, "dash-ok\n");
    const py = await s.client.callTool({
      name: "shell_script",
      arguments: {
        script: "import sys\nprint(6*7)\nsys.stderr.write('warn\\n')\nsys.exit(5)",
        interpreter: "python3",
      },
    });
    assert.equal(py.structuredContent?.exit_code, 5);
    assert.equal(py.structuredContent?.output, "42\nwarn\n");
    const audit = await readAudit(s.state.auditPath);
    const pyRec = audit.find((a) => (a.args as Record<string, unknown>).interpreter === "python3")!;
    assert.equal(pyRec.tier, 2, "an opaque python script counts as stateful");
  } finally {
    await s.close();
  }
});

integrationTest(
  "shell_exec: use_shell false, separate streams, env overlay, cwd and stdin",
  async () => {
    const s = await startStdio();
    try {
      const argv = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: `printf '%s|' "a b" '$HOME' ;ls`, use_shell: false },
      });
      assert.equal(argv.structuredContent?.output, "a b|$HOME|;ls|");
      const split = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "echo out; echo err >&2", merge_stderr: false },
      });
      assert.equal(split.structuredContent?.stdout, "out\n");
      assert.equal(split.structuredContent?.stderr, "err\n");
      assert.equal(textOf(split), "[exit 0]\nout\n\n[stderr]\nerr\n");
      const env = await s.client.callTool({
        name: "shell_exec",
        arguments: {
          command: 'echo "$FOO/${HOME:-none}/$RELAY_SHELL_STATE_DIR/$PAGER"',
          env: { FOO: "bar", HOME: null },
        },
      });
      assert.equal(
        env.structuredContent?.output,
        "bar/none//cat\n",
        "overlay, unset, server settings withheld",
      );
      const cwd = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "pwd; cat", cwd: "/tmp", stdin: "in" },
      });
      assert.equal(cwd.structuredContent?.output, "/tmp\nin");
      const bad = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "pwd", cwd: "/no/such" },
      });
      assert.equal(bad.isError, true);
      assert.match(textOf(bad), /cwd: no such directory: \/no\/such/);
      const missing = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "nosuchprog-x", use_shell: false },
      });
      assert.match(textOf(missing), /command: program "nosuchprog-x" not found in PATH/);
    } finally {
      await s.close();
    }
  },
);

integrationTest("shell_exec truncation keeps head and tail and says how much was cut", async () => {
  const s = await startStdio();
  try {
    const r = await s.client.callTool({
      name: "shell_exec",
      arguments: { command: "seq 1 100000", max_output: 1024 },
    });
    const sc = r.structuredContent!;
    assert.equal(sc.truncated, true);
    assert.equal(sc.output_bytes, 588895);
    assert.match(String(sc.output), /^1\n2\n3\n/);
    assert.match(String(sc.output), /\n100000\n$/);
    assert.match(
      textOf(r),
      /\[truncated: \d+ of 588895 bytes not shown; raise max_output to see more\]$/,
    );
  } finally {
    await s.close();
  }
});

integrationTest("audit_tail returns recent records filtered by tool, tier and denied", async () => {
  const s = await startStdio("v2", { RELAY_SHELL_POLICY_MODE: "readonly" });
  try {
    await s.client.callTool({ name: "server_info", arguments: {} });
    await s.client.callTool({ name: "shell_exec", arguments: { command: "echo hi" } });
    const all = await s.client.callTool({ name: "audit_tail", arguments: {} });
    const tools = (all.structuredContent?.records as Record<string, unknown>[]).map((r) => r.tool);
    assert.deepEqual(tools, ["server_info", "shell_exec"]);
    const denied = await s.client.callTool({ name: "audit_tail", arguments: { denied: true } });
    const recs = denied.structuredContent?.records as Record<string, unknown>[];
    assert.equal(recs.length, 1);
    assert.equal(recs[0].tool, "shell_exec");
    assert.equal(recs[0].tier, 1);
    const t0 = await s.client.callTool({
      name: "audit_tail",
      arguments: { tier: 0, tool: "server_info" },
    });
    assert.equal((t0.structuredContent?.records as unknown[]).length, 1);
    const none = await s.client.callTool({ name: "audit_tail", arguments: { tool: "nope" } });
    assert.equal(textOf(none), "[no matching audit records]");
  } finally {
    await s.close();
  }
});
