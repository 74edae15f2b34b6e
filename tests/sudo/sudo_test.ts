/**
 * sudo with a password, a wrong password and none, piped and in a PTY, as the harness's test user
 * (whose sudoers rule requires its password). The server's children are started as that user
 * through setpriv, which execs in place, so sudo sees a non-root real uid exactly as it would
 * under a non-root server.
 */
import assert from "node:assert/strict";
import { buildChildEnv, runCommand, spawnDeno, type Spawner } from "../../lib/exec/mod.ts";
import { SessionRegistry, spawnLocalPty } from "../../lib/sessions/mod.ts";
import { execInShellWithSudo, sudoSpawner } from "../../lib/sudo/mod.ts";
import { watchCmdlines } from "../helpers/cmdline_watch.ts";
import { acquireSudoUser, asTestUser, canManageUsers } from "../helpers/sudo_user.ts";

const asUser: Spawner = (argv, o) => spawnDeno(asTestUser(argv), o);

async function piped(password: string | null, command: string, stdin?: string) {
  const s = sudoSpawner(asUser, { password, env: { RS_EXPORTED: "exported-value-1" } });
  const r = await runCommand({ shell: command }, {
    env: buildChildEnv(),
    timeoutMs: 30_000,
    maxOutput: 65536,
    spawner: s.spawner,
    stdin,
  });
  return { r, outcome: await s.outcome };
}

Deno.test({
  name: "sudoSpawner() feeds the password only at sudo's prompt; it is never in argv or output",
  ignore: !canManageUsers,
  async fn() {
    const u = await acquireSudoUser();
    try {
      const watch = watchCmdlines([u.password]);
      const { r, outcome } = await piped(
        u.password,
        'id -u; echo "$RS_EXPORTED"; cat; echo to-stderr >&2',
        "stdin-data\n",
      );
      const seen = await watch.stop();
      assert.deepEqual(outcome, { started: true });
      assert.equal(r.exitCode, 0);
      assert.equal(
        r.stdout.text,
        "0\nexported-value-1\nstdin-data\nto-stderr\n",
        "sudo's prompt is not output",
      );
      assert.deepEqual(seen.hits, [], "the password is in no command line");
      assert.ok(!r.stdout.text.includes(u.password));
    } finally {
      await u.release();
    }
  },
});

Deno.test({
  name: "sudoSpawner(): a wrong password and a missing one fail at once with a SudoError",
  ignore: !canManageUsers,
  async fn() {
    const u = await acquireSudoUser();
    try {
      const wrong = await piped("not-the-password-1", "echo ran");
      assert.equal(wrong.outcome.started, false);
      if (!wrong.outcome.started) assert.equal(wrong.outcome.error.reason, "incorrect_password");
      assert.equal(wrong.r.stdout.text, "", "nothing ran");
      assert.equal(wrong.r.timedOut, false, "sudo did not wait on a second prompt");
      const none = await piped(null, "echo ran");
      assert.equal(none.outcome.started, false);
      if (!none.outcome.started) assert.equal(none.outcome.error.reason, "password_required");
      assert.equal(none.r.stdout.text, "");
    } finally {
      await u.release();
    }
  },
});

Deno.test({
  name: "execInShellWithSudo() types the password at the prompt, echo off; a wrong one is refused",
  ignore: !canManageUsers,
  async fn() {
    const u = await acquireSudoUser();
    const reg = new SessionRegistry({
      maxSessions: 2,
      bufferBytes: 262144,
      idleTimeoutMs: 600_000,
      maxLifetimeMs: 0,
      reapIntervalMs: 0,
      closeGraceMs: 500,
    });
    try {
      const env = { ...buildChildEnv(), TERM: "xterm", HOME: u.home, USER: u.user };
      const backend = spawnLocalPty(asTestUser(["/bin/bash", "--norc", "--noprofile"]), {
        env,
        cols: 120,
        rows: 40,
      });
      const s = reg.add(backend, { cols: 120, rows: 40, posixShell: true });
      const opts = { timeoutMs: 20_000, maxBytes: 65536 };
      const who = await execInShellWithSudo(s, "id -u", { ...opts, password: null }).catch((e) =>
        e
      );
      assert.equal(who.sudo.started, false, "no password configured: refused at once");
      assert.equal(who.sudo.error.reason, "password_required");
      const watch = watchCmdlines([u.password]);
      const ok = await execInShellWithSudo(s, "id -u; pwd", { ...opts, password: u.password });
      assert.deepEqual((await watch.stop()).hits, []);
      assert.deepEqual(ok.sudo, { started: true });
      assert.equal(ok.exitCode, 0);
      assert.match(ok.output, /^0\r?\n\//);
      const bad = await execInShellWithSudo(s, "id -u", {
        ...opts,
        password: "not-the-password-1",
      });
      assert.equal(bad.sudo.started, false);
      if (!bad.sudo.started) assert.equal(bad.sudo.error.reason, "incorrect_password");
      const raw = new TextDecoder().decode(s.log.retained());
      assert.ok(!raw.includes(u.password), "the password was never echoed");
      assert.ok(!raw.includes("not-the-password-1"));
    } finally {
      await reg.closeAll();
      await u.release();
    }
  },
});
