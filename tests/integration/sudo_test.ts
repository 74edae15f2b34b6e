/**
 * `sudo: true` end to end: the server itself runs as the harness's unprivileged test user (whose
 * sudoers rule requires its password), so its children, its PTY shells and sudo all run as that
 * user, as on a real non-root deployment. Needs root, and deno and the project readable by that
 * user (skipped otherwise; tests/sudo covers the same logic through setpriv).
 */
import assert from "node:assert/strict";
import { watchCmdlines } from "../helpers/cmdline_watch.ts";
import { readAudit, startStdio, textOf } from "../helpers/server.ts";
import { acquireSudoUser, canRunServerAsUser, startStdioAs } from "../helpers/sudo_user.ts";

async function envFileFor(dir: string, name: string, text: string, owner: string): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, text, { mode: 0o600 });
  const uid = Number(
    new TextDecoder().decode(
      (await new Deno.Command("id", { args: ["-u", owner] }).output()).stdout,
    ),
  );
  await Deno.chown(path, uid, null);
  return path;
}

Deno.test({
  name:
    "sudo: true with a loaded SUDO_PASSWORD on shell_exec and session_exec; wrong and missing passwords",
  ignore: !canRunServerAsUser,
  async fn() {
    const u = await acquireSudoUser();
    const s = await startStdioAs(u.user, { RELAY_SHELL_AUDIT_STDERR: "true" });
    try {
      const good = await envFileFor(
        s.dir,
        "sudo.env",
        `SUDO_PASSWORD=${u.password}\nAPP_SECRET=app-secret-xyz123\n`,
        u.user,
      );
      const load = await s.client.callTool({ name: "secrets_load", arguments: { path: good } });
      assert.deepEqual(
        load.structuredContent!.names,
        ["SUDO_PASSWORD", "APP_SECRET"],
        textOf(load),
      );

      const watch = watchCmdlines([u.password]);
      const plain = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "id -u" },
      });
      assert.notEqual(plain.structuredContent!.output, "0\n", "the server runs unprivileged");
      const root = await s.client.callTool({
        name: "shell_exec",
        arguments: {
          command: 'id -u; echo "$APP_SECRET ${SUDO_PASSWORD:-no}"; cat',
          stdin: "in\n",
          sudo: true,
        },
      });
      assert.equal(root.structuredContent!.exit_code, 0, textOf(root));
      assert.equal(root.structuredContent!.output, "0\n[REDACTED] no\nin\n");
      const bg = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "sleep 1; id -u", sudo: true, background: true },
      });
      const followed = await s.client.callTool({
        name: "session_recv",
        arguments: { session_id: bg.structuredContent!.session_id, until: "^0$", timeout: 15 },
      });
      assert.equal(followed.structuredContent!.data, "0\n", textOf(bg));

      const spawned = await s.client.callTool({
        name: "shell_spawn",
        arguments: { command: "/bin/bash --norc --noprofile" },
      });
      const id = spawned.structuredContent!.session_id as string;
      const inPty = await s.client.callTool({
        name: "session_exec",
        arguments: { session_id: id, command: "id -u", sudo: true },
      });
      assert.equal(inPty.structuredContent!.output, "0\n", textOf(inPty));
      const raw = await s.client.callTool({
        name: "session_recv",
        arguments: { session_id: id, cursor: 0, format: "raw" },
      });
      assert.ok(
        !String(raw.structuredContent!.data).includes("[REDACTED]"),
        "no echo of the password",
      );
      assert.deepEqual((await watch.stop()).hits, [], "the password is in no /proc/*/cmdline");

      const wrong = await envFileFor(
        s.dir,
        "wrong.env",
        "SUDO_PASSWORD=wrong-password-123\n",
        u.user,
      );
      await s.client.callTool({ name: "secrets_load", arguments: { path: wrong } });
      const t0 = performance.now();
      const bad = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "echo ran", sudo: true },
      });
      assert.equal(bad.isError, true);
      assert.match(textOf(bad), /SudoError: sudo: the configured password was rejected/);
      assert.ok(performance.now() - t0 < 15_000, "no hang on a second prompt");
      const badPty = await s.client.callTool({
        name: "session_exec",
        arguments: { session_id: id, command: "echo ran", sudo: true },
      });
      assert.equal(badPty.isError, true);
      assert.match(textOf(badPty), /password was rejected/);

      await s.client.callTool({ name: "secrets_clear", arguments: { names: ["SUDO_PASSWORD"] } });
      const none = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "echo ran", sudo: true },
      });
      assert.equal(none.isError, true);
      assert.match(textOf(none), /asks for a password and none is configured/);

      const audit = await readAudit(s.auditPath);
      const sudoCalls = audit.filter((a) => (a.args as Record<string, unknown>)?.sudo === true);
      assert.ok(sudoCalls.length >= 4);
      for (const a of sudoCalls) {
        assert.ok((a.tier as number) >= 2, "sudo calls are tier 2 or more");
      }
      const everything = JSON.stringify(audit) + s.stderr() +
        JSON.stringify([root, bad, badPty, none, raw]);
      assert.ok(!everything.includes(u.password));
      assert.ok(!everything.includes("wrong-password-123"));
    } finally {
      await s.close();
      await u.release();
    }
  },
});

Deno.test({
  name:
    "RELAY_SHELL_SUDO_PASSWORD_ENV: the named variable answers sudo and is withheld from children",
  ignore: !canRunServerAsUser,
  async fn() {
    const u = await acquireSudoUser();
    const s = await startStdioAs(u.user, {
      RELAY_SHELL_SUDO_PASSWORD_ENV: "RS_TEST_SUDO_PW",
      RS_TEST_SUDO_PW: u.password,
    });
    try {
      const r = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: 'id -u; echo "${RS_TEST_SUDO_PW:-withheld}"', sudo: true },
      });
      assert.equal(r.structuredContent!.output, "0\nwithheld\n", textOf(r));
      const plain = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: 'echo "${RS_TEST_SUDO_PW:-withheld}"' },
      });
      assert.equal(plain.structuredContent!.output, "withheld\n");
      assert.ok(!s.stderr().includes(u.password));
    } finally {
      await s.close();
      await u.release();
    }
  },
});

Deno.test({
  name: "sudo: true on a root server runs without any password (no prompt, nothing fed)",
  ignore: Deno.uid() !== 0,
  async fn() {
    const s = await startStdio();
    try {
      const r = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "id -u; cat", stdin: "kept\n", sudo: true },
      });
      assert.equal(r.structuredContent!.output, "0\nkept\n", textOf(r));
      const sp = await s.client.callTool({
        name: "shell_spawn",
        arguments: { command: "/bin/bash --norc --noprofile" },
      });
      const e = await s.client.callTool({
        name: "session_exec",
        arguments: { session_id: sp.structuredContent!.session_id, command: "id -u", sudo: true },
      });
      assert.equal(e.structuredContent!.output, "0\n", textOf(e));
    } finally {
      await s.close();
    }
  },
});
