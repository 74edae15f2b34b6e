/** Secrets end to end: names only, redacted everywhere, in children's env but never in argv. */
import assert from "node:assert/strict";
import { watchCmdlines } from "../helpers/cmdline_watch.ts";
import { integrationTest, startStdio, textOf } from "../helpers/server.ts";

const TOKEN = `tok-${crypto.randomUUID()}`;
const PTY_TOKEN = `pty-${crypto.randomUUID()}`;

integrationTest(
  "secrets_load: the value stays out of every output, error, audit line, stderr and /proc/*/cmdline",
  async () => {
    // Audit copies on stderr and debug logging: every channel that could leak is on.
    const s = await startStdio("v2", {
      RELAY_SHELL_AUDIT_STDERR: "true",
      RELAY_SHELL_LOG_LEVEL: "debug",
    });
    try {
      const envFile = `${s.state.dir}/app.env`;
      await Deno.writeTextFile(envFile, `# app\nexport TOKEN="${TOKEN}"\nPORT=8080\n`);
      const holder = `${s.state.dir}/holder.txt`;
      await Deno.writeTextFile(holder, `the token is ${TOKEN}\n`);

      const load = await s.client.callTool({ name: "secrets_load", arguments: { path: envFile } });
      assert.equal(load.isError, undefined, textOf(load));
      assert.deepEqual(load.structuredContent!.names, ["TOKEN"]);
      assert.match(textOf(load), /refused PORT: shorter than 6 characters/);

      const watch = watchCmdlines([TOKEN]);
      const echo = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: 'sleep 0.5; echo "$TOKEN"' },
      });
      const env = await s.client.callTool({ name: "shell_exec", arguments: { command: "env" } });
      const script = await s.client.callTool({
        name: "shell_script",
        arguments: { script: 'echo "script: $TOKEN"' },
      });
      const cat = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: `cat ${holder}` },
      });
      const job = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: 'sleep 1; echo "job: $TOKEN"', background: true },
      });
      const followed = await s.client.callTool({
        name: "session_recv",
        arguments: { session_id: job.structuredContent!.session_id, until: "job:", timeout: 10 },
      });
      const seen = await watch.stop();
      assert.deepEqual(seen.hits, [], "the value is in no /proc/*/cmdline");
      assert.ok(seen.sweeps > 10, `sampled ${seen.sweeps} times`);

      assert.equal(echo.structuredContent!.output, "[REDACTED]\n");
      assert.match(String(env.structuredContent!.output), /^TOKEN=\[REDACTED\]$/m);
      assert.equal(cat.structuredContent!.output, "the token is [REDACTED]\n");
      assert.equal(script.structuredContent!.output, "script: [REDACTED]\n");
      assert.equal(followed.structuredContent!.data, "job: [REDACTED]\n");

      // An error that would quote it.
      const err = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "pwd", cwd: `/nonexistent/${TOKEN}` },
      });
      assert.equal(err.isError, true);
      assert.match(textOf(err), /no such directory: \/nonexistent\/\[REDACTED\]/);

      const list = await s.client.callTool({ name: "secrets_list", arguments: {} });
      assert.deepEqual(list.structuredContent!.secrets, [
        { name: "TOKEN", scope: "all", source: envFile },
      ]);

      const cleared = await s.client.callTool({ name: "secrets_clear", arguments: {} });
      assert.deepEqual(cleared.structuredContent!.cleared, ["TOKEN"]);
      const after = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: `echo "\${TOKEN:-unset}"; cat ${holder}` },
      });
      assert.equal(after.structuredContent!.output, "unset\nthe token is [REDACTED]\n");

      const everything = [
        ...[load, echo, env, script, cat, job, followed, err, list, cleared, after].map((r) =>
          JSON.stringify(r)
        ),
        await Deno.readTextFile(s.state.auditPath),
        s.stderr(),
      ].join("\n");
      assert.ok(
        !everything.includes(TOKEN),
        "not in results, the audit file or the server's stderr",
      );
      assert.match(await Deno.readTextFile(s.state.auditPath), /"names":\["TOKEN"\]/);
    } finally {
      await s.close();
    }
  },
);

integrationTest(
  "secrets in PTY sessions: in the env at spawn, typed with echo off into a live shell",
  async () => {
    const s = await startStdio();
    try {
      const file = `${s.state.dir}/pty.env`;
      await Deno.writeTextFile(file, `PTY_TOKEN=${PTY_TOKEN}\n`);
      const spawned = await s.client.callTool({
        name: "shell_spawn",
        arguments: { command: "/bin/bash --norc --noprofile" },
      });
      const id = spawned.structuredContent!.session_id as string;
      await s.client.callTool({
        name: "session_recv",
        arguments: { session_id: id, until: "[$#] $" },
      });
      const watch = watchCmdlines([PTY_TOKEN]);
      const load = await s.client.callTool({
        name: "secrets_load",
        arguments: { path: file, scope: `session:${id}` },
      });
      assert.match(textOf(load), new RegExp(`set in ${id}`), textOf(load));
      const before = await s.client.callTool({
        name: "session_recv",
        arguments: { session_id: id, cursor: 0, format: "raw" },
      });
      assert.ok(
        !String(before.structuredContent!.data).includes("[REDACTED]"),
        "nothing of the value was echoed to the terminal",
      );
      const echo = await s.client.callTool({
        name: "session_exec",
        arguments: { session_id: id, command: 'echo "v=$PTY_TOKEN"' },
      });
      assert.equal(echo.structuredContent!.output, "v=[REDACTED]\n");
      assert.deepEqual((await watch.stop()).hits, []);

      // A secret for every session reaches a shell started later through its environment.
      const all = `${s.state.dir}/all.env`;
      await Deno.writeTextFile(all, `ALL_TOKEN=${PTY_TOKEN}-all\n`);
      await s.client.callTool({ name: "secrets_load", arguments: { path: all } });
      const later = await s.client.callTool({
        name: "shell_spawn",
        arguments: { command: "/bin/bash --norc --noprofile" },
      });
      const id2 = later.structuredContent!.session_id as string;
      const e2 = await s.client.callTool({
        name: "session_exec",
        arguments: { session_id: id2, command: 'echo "v=$ALL_TOKEN"' },
      });
      assert.equal(e2.structuredContent!.output, "v=[REDACTED]\n");
    } finally {
      await s.close();
    }
  },
);

integrationTest(
  "credential variables the inventory names reach no local child, and their values are redacted",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "relay-shell-inv-cred-" });
    const value = `inv-pw-${crypto.randomUUID()}`;
    await Deno.writeTextFile(
      `${dir}/inventory.yaml`,
      "web:\n  hostname: 127.0.0.1\n  password_env: RSTEST_INV_PASSWORD\n" +
        "  sudo_password_env: RSTEST_INV_SUDO\n",
    );
    const s = await startStdio("v2", {
      RELAY_SHELL_INVENTORY: `${dir}/inventory.yaml`,
      RELAY_SHELL_SSH_CONFIG: "",
      RSTEST_INV_PASSWORD: value,
      RSTEST_INV_SUDO: `${value}-sudo`,
      RSTEST_INV_OTHER: "kept-as-usual",
    });
    try {
      const env = await s.client.callTool({ name: "shell_exec", arguments: { command: "env" } });
      assert.equal(env.isError, undefined, textOf(env));
      assert.match(textOf(env), /RSTEST_INV_OTHER=kept-as-usual/, "other variables pass");
      assert.doesNotMatch(textOf(env), /RSTEST_INV_PASSWORD|RSTEST_INV_SUDO/);
      const sh = await s.client.callTool({ name: "shell_spawn", arguments: { command: "bash" } });
      const id = sh.structuredContent!.session_id as string;
      const inSession = await s.client.callTool({
        name: "session_exec",
        arguments: { session_id: id, command: 'echo "[${RSTEST_INV_PASSWORD:-unset}]"' },
      });
      assert.match(textOf(inSession), /\[unset\]/);
      // A value that reaches output another way (here: read from a file) is redacted.
      await Deno.writeTextFile(`${dir}/leak.txt`, `pw=${value}\n`);
      const cat = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: `cat ${dir}/leak.txt` },
      });
      assert.ok(!textOf(cat).includes(value), "redacted");
      assert.match(textOf(cat), /pw=\[REDACTED\]/);
    } finally {
      await s.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
