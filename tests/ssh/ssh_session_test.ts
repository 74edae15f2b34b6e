/** spawnSshSession(): a remote PTY in the session registry, driven like a local one. */
import assert from "node:assert/strict";
import { execInShell } from "../../lib/sessions/mod.ts";
import { spawnSshSession } from "../../lib/ssh/mod.ts";
import { expectOutput, testRegistry, type } from "../sessions/_pty_helpers.ts";
import { startSshd } from "../helpers/sshd.ts";
import { allCmdlines, entryFor, sshTestEnv, until } from "./_env.ts";

Deno.test("ssh session: a remote login shell runs session_exec, resizes, and pins its connection", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, "ed25519") },
  });
  const reg = testRegistry();
  try {
    const t = env.resolver.resolveTarget("web");
    const backend = await spawnSshSession({
      pool: env.pool,
      target: t,
      term: "xterm-256color",
      cols: 100,
      rows: 30,
    });
    const s = reg.add(backend, { cols: 100, rows: 30, posixShell: true });
    assert.match(s.id, /^ssh-/);
    assert.equal(s.kind, "ssh");
    assert.equal(s.title, "ssh web");
    const conn = env.pool.connectionsTo(t)[0];
    assert.equal(conn.pins, 1, "the session pins its connection");

    const r1 = await execInShell(s, "cd /tmp && export RS_X=42 && tty && stty size", {
      timeoutMs: 10_000,
      maxBytes: 65536,
    });
    assert.equal(r1.exitCode, 0, r1.output);
    assert.match(r1.output, /^\/dev\/pts\/\d+\r?\n30 100\r?\n$/);
    const r2 = await execInShell(s, "echo $RS_X $PWD; false", {
      timeoutMs: 10_000,
      maxBytes: 65536,
    });
    assert.equal(r2.exitCode, 1);
    assert.equal(r2.output.trim(), "42 /tmp");

    s.resize(132, 43);
    const r3 = await execInShell(s, "stty size", { timeoutMs: 10_000, maxBytes: 65536 });
    assert.equal(r3.output.trim(), "43 132");

    // Ctrl-C reaches a foreground program through the remote terminal.
    const marker = `5678.${Math.floor(Math.random() * 1e6)}`;
    const at = s.log.produced;
    await type(s, `sleep ${marker}\r`);
    await until(() => allCmdlines().some((c) => c.includes(`sleep ${marker}`)), 10_000, "sleep");
    await type(s, "\x03");
    await type(s, "echo after-sleep-$?\r");
    await expectOutput(s, "after-sleep-130", at);

    await type(s, "exit 7\r");
    await s.ended;
    assert.equal(s.exitCode, 7);
    assert.equal(conn.pins, 0, "unpinned once the channel closed");
    assert.equal(conn.activeChannels, 0);
  } finally {
    await reg.closeAll();
  }
});

Deno.test("ssh session: a command on a PTY, signals, and close ending the remote program", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, "ed25519") },
  });
  const reg = testRegistry();
  try {
    const marker = `6789.${Math.floor(Math.random() * 1e6)}`;
    const backend = await spawnSshSession({
      pool: env.pool,
      target: env.resolver.resolveTarget("web"),
      command: `sh -c 'echo started; exec sleep ${marker}'`,
      term: "vt100",
      cols: 80,
      rows: 24,
    });
    const s = reg.add(backend, { cols: 80, rows: 24 });
    await expectOutput(s, "started");
    await until(() => allCmdlines().some((c) => c.includes(`sleep ${marker}`)), 10_000, "sleep");
    const k = await reg.kill(s.id, "SIGTERM", true);
    assert.equal(k.signalled, true);
    assert.equal(k.closed, true);
    assert.equal(s.exitSignal, "SIGTERM");
    await until(() => !allCmdlines().some((c) => c.includes(`sleep ${marker}`)), 10_000, "gone");
  } finally {
    await reg.closeAll();
  }
});
