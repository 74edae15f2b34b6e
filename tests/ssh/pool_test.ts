/** SshPool against the in-process fake server: single flight, channel slots, eviction, drops, auth. */
import assert from "node:assert/strict";
import ssh2 from "ssh2";
import { SshAuthError, SshConnectionLostError, sshExec, type SshPool } from "../../lib/ssh/mod.ts";
import { ManualClock } from "../../lib/util/mod.ts";
import { FakeSshServer } from "../helpers/fake_ssh_server.ts";
import { type SshTestEnv, sshTestEnv, until } from "./_env.ts";

const USERS = {
  test: { password: "pw-test" },
  u2: { password: "pw-test" },
  u3: { password: "pw-test" },
  kb: { keyboardInteractive: "sesame" },
};

function entry(fake: FakeSshServer, user = "test", extra: Record<string, unknown> = {}) {
  return {
    hostname: fake.host,
    port: fake.port,
    user,
    password_env: "FAKE_PW",
    known_hosts: "ignore",
    ...extra,
  };
}

const connections = (fake: FakeSshServer) =>
  fake.events.filter((e) => e.type === "connection").length;

function run(env: SshTestEnv, alias: string, command = "echo hi", pool: SshPool = env.pool) {
  return sshExec(env.resolver.resolveTarget(alias), {
    pool,
    command,
    timeoutMs: 10_000,
    maxOutput: 1024,
  });
}

Deno.test("SshPool connects once for concurrent callers (single flight) and reuses the connection", async () => {
  await using fake = await FakeSshServer.start({ users: USERS });
  await using env = await sshTestEnv({
    inventory: { f: entry(fake) },
    vars: { FAKE_PW: "pw-test" },
  });
  const rs = await Promise.all(Array.from({ length: 10 }, () => run(env, "f")));
  assert.ok(rs.every((r) => r.stdout.text === "hi\n" && r.exitCode === 0));
  await run(env, "f");
  assert.equal(connections(fake), 1);
  assert.equal(env.pool.size, 1);
});

Deno.test("SshPool queues short commands behind full slots; sessions holding every slot get another connection", async () => {
  await using fake = await FakeSshServer.start({ users: USERS });
  await using env = await sshTestEnv({
    inventory: { f: entry(fake) },
    vars: { FAKE_PW: "pw-test" },
    pool: { maxChannels: 2 },
  });
  const t = env.resolver.resolveTarget("f");
  const a = await env.pool.acquire(t);
  const b = await env.pool.acquire(t);
  let third = false;
  const c = env.pool.acquire(t).then((l) => {
    third = true;
    return l;
  });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(third, false, "waits for a slot");
  a.release();
  const lc = await c;
  assert.equal(lc.connection, b.connection);
  assert.equal(connections(fake), 1);
  b.release();
  lc.release();

  const s1 = await env.pool.acquire(t, { longLived: true });
  const s2 = await env.pool.acquire(t, { longLived: true });
  assert.equal(s1.connection.pins, 2, "sessions pin their connection");
  const d = await env.pool.acquire(t);
  assert.notEqual(d.connection, s1.connection, "every slot is a session's: a second connection");
  assert.equal(connections(fake), 2);
  for (const l of [s1, s2, d]) l.release();
  assert.equal(s1.connection.pins, 0);
});

Deno.test("SshPool.sweep() closes idle connections after SSH_IDLE_TIMEOUT, never pinned ones", async () => {
  await using fake = await FakeSshServer.start({ users: USERS });
  const clock = new ManualClock();
  await using env = await sshTestEnv({
    inventory: { f: entry(fake), g: entry(fake, "u2") },
    vars: { FAKE_PW: "pw-test" },
    pool: { idleTimeoutMs: 1000, sweepIntervalMs: 0, clock },
  });
  await run(env, "f");
  const session = await env.pool.acquire(env.resolver.resolveTarget("g"), { longLived: true });
  clock.advance(999);
  assert.equal(env.pool.sweep(), 0);
  clock.advance(5000);
  assert.equal(env.pool.sweep(), 1, "only the idle, unpinned connection");
  await until(() => fake.connections === 1, 5000, "the server to see the close");
  session.release();
  clock.advance(5000);
  assert.equal(env.pool.sweep(), 1);
  await until(() => fake.connections === 0, 5000, "close");
});

Deno.test("SshPool evicts the least recently used idle connection at MAX_CONNS", async () => {
  await using fake = await FakeSshServer.start({ users: USERS });
  const clock = new ManualClock();
  await using env = await sshTestEnv({
    inventory: { a: entry(fake), b: entry(fake, "u2"), c: entry(fake, "u3") },
    vars: { FAKE_PW: "pw-test" },
    pool: { maxConns: 2, clock },
  });
  await run(env, "a");
  clock.advance(10);
  await run(env, "b");
  clock.advance(10);
  await run(env, "a"); // a is now the most recently used
  clock.advance(10);
  await run(env, "c");
  assert.equal(env.pool.size, 2);
  assert.equal(env.pool.connectionsTo(env.resolver.resolveTarget("b")).length, 0, "b was evicted");
  assert.equal(env.pool.connectionsTo(env.resolver.resolveTarget("a")).length, 1);
});

Deno.test("a dropped connection fails the call in flight at once and is replaced on the next use", async () => {
  await using fake = await FakeSshServer.start({ users: USERS });
  await using env = await sshTestEnv({
    inventory: { f: entry(fake) },
    vars: { FAKE_PW: "pw-test" },
  });
  const hanging = sshExec(env.resolver.resolveTarget("f"), {
    pool: env.pool,
    command: "hang",
    timeoutMs: 60_000,
    maxOutput: 1024,
  }).catch((e) => e);
  await until(
    () => fake.events.some((e) => e.type === "exec" && e.command === "hang"),
    5000,
    "exec",
  );
  fake.dropConnections();
  const err = await hanging;
  assert.ok(err instanceof SshConnectionLostError, String(err));
  assert.match(err.message, /Connection to test@127\.0\.0\.1:\d+ was lost/);
  assert.equal((await run(env, "f")).stdout.text, "hi\n");
  assert.equal(connections(fake), 2);
});

Deno.test("keyboard-interactive answers the prompt from password_env", async () => {
  await using fake = await FakeSshServer.start({ users: USERS });
  await using env = await sshTestEnv({
    inventory: {
      k: entry(fake, "kb", { password_env: "KB_PW" }),
      bad: entry(fake, "kb", { password_env: "NOPE" }),
    },
    vars: { KB_PW: "sesame", NOPE: "wrong" },
  });
  assert.equal((await run(env, "k")).stdout.text, "hi\n");
  assert.ok(
    fake.events.some((e) => e.type === "auth" && e.method === "keyboard-interactive" && e.ok),
  );
  const err = await run(env, "bad").catch((e) => e);
  assert.ok(err instanceof SshAuthError);
  assert.match(err.message, /keyboard-interactive with NOPE: refused/);
  assert.ok(!err.message.includes("wrong"));
});

/** An ECDSA key ssh2 can parse but not sign with under Deno (NOTES), or null if none turned up. */
async function unsignableEcdsaKey(dir: string): Promise<string | null> {
  const parseKey = (ssh2 as unknown as {
    utils: { parseKey(d: string): { sign(d: Uint8Array): unknown } | Error };
  }).utils.parseKey;
  for (let i = 0; i < 80; i++) {
    const path = `${dir}/ecdsa_${i}`;
    const out = await new Deno.Command("ssh-keygen", {
      args: ["-q", "-t", "ecdsa", "-b", "256", "-N", "", "-f", path],
    }).output();
    if (!out.success) return null;
    const k = parseKey(await Deno.readTextFile(path));
    if (!(k instanceof Error) && k.sign(new Uint8Array([1])) instanceof Error) return path;
  }
  return null;
}

Deno.test("an ECDSA key that cannot sign under Deno is named and skipped; other methods go on", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bad = await unsignableEcdsaKey(dir);
    if (!bad) return; // this Deno/ssh2 pair signs every key: nothing to show
    const good = `${dir}/good`;
    await new Deno.Command("ssh-keygen", { args: ["-q", "-t", "ed25519", "-N", "", "-f", good] })
      .output();
    await using fake = await FakeSshServer.start({
      users: { k: { publicKeys: [await Deno.readTextFile(`${good}.pub`)] } },
    });
    await using env = await sshTestEnv({
      inventory: {
        both: entry(fake, "k", { identity_file: [bad, good], password_env: undefined }),
        onlybad: entry(fake, "k", { identity_file: [bad], password_env: undefined }),
      },
    });
    const t = env.resolver.resolveTarget("both");
    assert.equal((await run(env, "both")).exitCode, 0);
    const conn = env.pool.connectionsTo(t)[0];
    assert.ok(conn.authProblems.some((p) => p.includes(bad) && /cannot sign here/.test(p)));
    const err = await run(env, "onlybad").catch((e) => e);
    assert.ok(err instanceof SshAuthError);
    assert.ok(err.message.includes(bad), err.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SshPool.closeAll() closes every connection and refuses new work", async () => {
  await using fake = await FakeSshServer.start({ users: USERS });
  await using env = await sshTestEnv({
    inventory: { f: entry(fake) },
    vars: { FAKE_PW: "pw-test" },
  });
  await run(env, "f");
  await env.pool.closeAll();
  assert.equal(env.pool.size, 0);
  await until(() => fake.connections === 0, 5000, "close");
  const err = await run(env, "f").catch((e) => e);
  assert.match(String(err), /pool is closed/);
});
