/** sshExec() against a real sshd: env/cwd, timeouts, cancellation, ordering, stdin, concurrency, faults. */
import assert from "node:assert/strict";
import {
  type ResolvedTarget,
  SshConnectError,
  SshConnectionLostError,
  sshExec,
  type SshExecOptions,
} from "../../lib/ssh/mod.ts";
import { signal } from "../helpers/sshd_process.ts";
import { descendants, startSshd } from "../helpers/sshd.ts";
import { allCmdlines, entryFor, type SshTestEnv, sshTestEnv, until } from "./_env.ts";

function exec(
  env: SshTestEnv,
  t: ResolvedTarget,
  o: Partial<SshExecOptions> & { command: string },
) {
  return sshExec(t, { pool: env.pool, timeoutMs: 15_000, maxOutput: 65536, ...o });
}

Deno.test("sshExec() delivers env and cwd without AcceptEnv and keeps the values out of every cmdline", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, "ed25519") },
  });
  const dir = await Deno.makeTempDir({ prefix: "rs dir 'q' $x " });
  await Deno.chmod(dir, 0o755);
  try {
    const secret = `s3cr3t-${crypto.randomUUID()}`;
    const marker = `1.${Math.floor(Math.random() * 1e6)}`;
    const running = exec(env, env.resolver.resolveTarget("web"), {
      command: `sleep ${marker}; printf '[%s]' "$RS_SECRET" "$RS_MULTI" "$RS_EMPTY" "$(pwd)"`,
      env: { RS_SECRET: secret, RS_MULTI: "a'b\"c $HOME\nline2 ünï", RS_EMPTY: "" },
      cwd: dir,
    });
    let sampled = 0;
    await until(
      () => {
        const all = allCmdlines();
        if (all.some((c) => c.includes(secret))) throw new Error("the secret is on a command line");
        sampled++;
        return all.some((c) => c.includes(`sleep ${marker}`));
      },
      10_000,
      "the remote sleep",
    );
    for (let i = 0; i < 5; i++) {
      assert.ok(!allCmdlines().some((c) => c.includes(secret)));
    }
    const r = await running;
    assert.ok(sampled > 0);
    assert.equal(r.exitCode, 0, r.stdout.text);
    assert.equal(r.stdout.text, `[${secret}][a'b"c $HOME\nline2 ünï][][${dir}]`);
    // No AcceptEnv was involved: sshd never saw an env request.
    assert.ok(!/env request|AcceptEnv/i.test(sshd.log()));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sshExec() timeout signals the remote process, closes the channel and keeps partial output", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, "ed25519") },
  });
  const marker = `2345.${Math.floor(Math.random() * 1e6)}`;
  const r = await exec(env, env.resolver.resolveTarget("web"), {
    command: `echo start; sleep ${marker}; echo never`,
    timeoutMs: 1500,
  });
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, null);
  assert.equal(r.stdout.text, "start\n");
  assert.equal(r.stdout.bytes, 6);
  await until(() => !allCmdlines().some((c) => c.includes(`sleep ${marker}`)), 10_000, "the kill");
  // The connection stays usable.
  assert.equal(
    (await exec(env, env.resolver.resolveTarget("web"), { command: "echo again" })).stdout.text,
    "again\n",
  );
});

Deno.test("sshExec() cancellation through the AbortSignal stops the remote process", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, "ed25519") },
  });
  const marker = `3456.${Math.floor(Math.random() * 1e6)}`;
  const ctl = new AbortController();
  const running = exec(env, env.resolver.resolveTarget("web"), {
    command: `echo go; sleep ${marker}`,
    signal: ctl.signal,
  });
  await until(() => allCmdlines().some((c) => c.includes(`sleep ${marker}`)), 10_000, "start");
  ctl.abort();
  const r = await running;
  assert.equal(r.cancelled, true);
  assert.equal(r.timedOut, false);
  assert.equal(r.stdout.text, "go\n");
  await until(() => !allCmdlines().some((c) => c.includes(`sleep ${marker}`)), 10_000, "the kill");
});

Deno.test("sshExec() merged output keeps arrival order; unmerged keeps the streams apart", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, "ed25519") },
  });
  const t = env.resolver.resolveTarget("web");
  const cmd = "echo a; sleep 0.2; echo b >&2; sleep 0.2; echo c; sleep 0.2; echo d >&2";
  const merged = await exec(env, t, { command: cmd });
  assert.equal(merged.stdout.text, "a\nb\nc\nd\n");
  assert.equal(merged.stderr, null);
  const split = await exec(env, t, { command: cmd, mergeStderr: false });
  assert.equal(split.stdout.text, "a\nc\n");
  assert.equal(split.stderr?.text, "b\nd\n");
});

Deno.test("sshExec() passes stdin bytes exactly (with and without env), exit codes and signals", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, "ed25519") },
  });
  const t = env.resolver.resolveTarget("web");
  const bytes = new Uint8Array([0, 1, 2, 10, 13, 255, 254, 0x22, 0x27, 10]);
  for (const envArg of [undefined, { X: "1" }]) {
    const r = await exec(env, t, {
      command: "od -An -tx1 | tr -s ' \\n' ' '",
      stdin: bytes,
      env: envArg,
    });
    assert.equal(r.stdout.text.trim(), "00 01 02 0a 0d ff fe 22 27 0a");
  }
  assert.equal((await exec(env, t, { command: "exit 3" })).exitCode, 3);
  const killed = await exec(env, t, { command: "kill -TERM $$" });
  assert.equal(killed.exitCode, null);
  assert.equal(killed.signal, "SIGTERM");
  const big = await exec(env, t, {
    command: "head -c 300000 /dev/zero | tr '\\0' x",
    maxOutput: 1000,
  });
  assert.equal(big.stdout.bytes, 300000);
  assert.equal(big.truncated, true);
  assert.match(big.stdout.text, /\[\.\.\. 299000 bytes cut \.\.\.\]/);
});

Deno.test("100 concurrent sshExec() calls on one host all succeed within the channel limit", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, "ed25519") },
  });
  const t = env.resolver.resolveTarget("web");
  let maxActive = 0;
  const sampler = setInterval(() => {
    for (const c of env.pool.connectionsTo(t)) {
      maxActive = Math.max(maxActive, c.activeChannels);
      assert.ok(c.activeChannels <= c.maxChannels);
    }
  }, 1);
  try {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => exec(env, t, { command: `echo ${i}` })),
    );
    results.forEach((r, i) => {
      assert.equal(r.exitCode, 0);
      assert.equal(r.stdout.text, `${i}\n`);
    });
  } finally {
    clearInterval(sampler);
  }
  assert.equal(env.pool.connectionsTo(t).length, 1, "queued on one connection");
  assert.ok(maxActive <= 8, `at most 8 channels at once (saw ${maxActive})`);
});

Deno.test("sshd killed mid-command: a clear error at once, then a reconnect once sshd is back", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, "ed25519") },
    pool: { backoffBaseMs: 50 },
  });
  const t = env.resolver.resolveTarget("web");
  const marker = `4567.${Math.floor(Math.random() * 1e6)}`;
  const running = exec(env, t, { command: `echo before; sleep ${marker}`, timeoutMs: 30_000 })
    .then(() => null, (e) => e);
  await until(() => allCmdlines().some((c) => c.includes(`sleep ${marker}`)), 10_000, "start");
  await signal([sshd.pid, ...descendants(sshd.pid)], "SIGKILL");
  const err = await running;
  assert.ok(err instanceof SshConnectionLostError, String(err));
  assert.match(
    err.message,
    new RegExp(`Connection to rstest-ed@127\\.0\\.0\\.1:${sshd.port} was lost`),
  );
  assert.equal(err.partialOutput, "before\n");
  assert.equal(env.pool.connectionsTo(t).length, 0, "the dead connection left the pool");

  const down = await exec(env, t, { command: "true" }).catch((e) => e);
  assert.ok(down instanceof SshConnectError, String(down));
  assert.match(down.message, /connection (refused|reset)/);

  await sshd.restart();
  const r = await exec(env, t, { command: "echo back" });
  assert.equal(r.stdout.text, "back\n");
  // The remote sleep outlived its killed sshd session (no terminal, no SIGHUP): end it here.
  const orphans = [...Deno.readDirSync("/proc")].filter((e) => /^\d+$/.test(e.name))
    .map((e) => Number(e.name)).filter((p) => {
      try {
        return Deno.readTextFileSync(`/proc/${p}/cmdline`).includes(`sleep\0${marker}`);
      } catch {
        return false;
      }
    });
  await signal(orphans, "SIGKILL");
});

Deno.test("sshExec() with a pty runs on a terminal, takes cwd on the command line and refuses env", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, "ed25519") },
  });
  const t = env.resolver.resolveTarget("web");
  const pty = { term: "xterm-256color", cols: 111, rows: 33 };
  const r = await exec(env, t, { command: "tty; stty size; pwd; echo $TERM", pty, cwd: "/tmp" });
  assert.equal(r.exitCode, 0);
  assert.match(
    r.stdout.text.replaceAll("\r", ""),
    /^\/dev\/pts\/\d+\n33 111\n\/tmp\nxterm-256color\n$/,
  );
  await assert.rejects(
    exec(env, t, { command: "true", pty, env: { A: "1" } }),
    /env: cannot be combined with pty: true/,
  );
});

Deno.test("keepalives notice a server that stopped answering; the call fails with the reason", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    sshConfig: "Host *\n  ServerAliveInterval 1\n  ServerAliveCountMax 2\n",
    inventory: { web: entryFor(sshd, "ed25519") },
  });
  const t = env.resolver.resolveTarget("web");
  assert.equal(t.serverAliveInterval, 1);
  const marker = `7890.${Math.floor(Math.random() * 1e6)}`;
  const running = exec(env, t, { command: `sleep ${marker}`, timeoutMs: 60_000 }).catch((e) => e);
  await until(() => allCmdlines().some((c) => c.includes(`sleep ${marker}`)), 10_000, "start");
  // Freeze this connection's sshd processes: the TCP connection stays up, nothing answers.
  const frozen = descendants(sshd.pid).filter((p) => {
    try {
      return /^sshd/.test(Deno.readTextFileSync(`/proc/${p}/comm`));
    } catch {
      return false;
    }
  });
  await signal(frozen, "SIGSTOP");
  try {
    const err = await running;
    assert.ok(err instanceof SshConnectionLostError, String(err));
    assert.match(err.message, /Keepalive timeout/i);
  } finally {
    await signal(frozen, "SIGCONT");
  }
});
