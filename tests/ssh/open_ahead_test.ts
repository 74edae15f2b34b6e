/**
 * A pooled connection keeps one session channel open ahead for the next exec (lib/ssh/_ssh2_ahead.ts):
 * used when it is there, replaced when the server refused or closed it, never a wrong result.
 */
import assert from "node:assert/strict";
import { execOnConnection, type SshConnection } from "../../lib/ssh/mod.ts";
import { FakeSshServer } from "../helpers/fake_ssh_server.ts";
import { startSshd } from "../helpers/sshd.ts";
import { entryFor, type SshTestEnv, sshTestEnv, until } from "./_env.ts";

function run(conn: SshConnection, command: string) {
  return execOnConnection(conn, { command, timeoutMs: 10_000, maxOutput: 4096 });
}

/** An environment with the fake server as host `f` (user test, password pw). */
function fakeEnv(fake: FakeSshServer) {
  return sshTestEnv({
    inventory: {
      f: {
        hostname: fake.host,
        port: fake.port,
        user: "test",
        password_env: "PW",
        known_hosts: "ignore",
      },
    },
    vars: { PW: "pw" },
  });
}

async function leased(env: SshTestEnv, alias: string) {
  return await env.pool.acquire(env.resolver.resolveTarget(alias));
}

Deno.test("sshExec runs the next command on a channel opened ahead; sshd starts one session per command", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, "ed25519") },
  });
  const lease = await leased(env, "web");
  try {
    const conn = lease.connection;
    assert.equal(conn.hasChannelAhead, false, "nothing is opened ahead before the first exec");
    for (let i = 0; i < 5; i++) {
      const r = await run(conn, `echo run-${i}; echo err-${i} >&2; exit ${i}`);
      assert.equal(r.exitCode, i);
      assert.equal(r.stdout.text, `run-${i}\nerr-${i}\n`);
    }
    assert.equal(conn.execsAhead, 4, "every exec after the first used a channel opened ahead");
    assert.equal(conn.hasChannelAhead, true);
    // stdin reaches a command on a channel opened ahead, then EOF.
    const cat = await execOnConnection(conn, {
      command: "cat; echo done",
      stdin: "from stdin\n",
      timeoutMs: 10_000,
      maxOutput: 4096,
    });
    assert.equal(cat.stdout.text, "from stdin\ndone\n");
    assert.equal(conn.execsAhead, 5);
    // The channel held ahead starts nothing on the server: one session per command.
    await sshd.waitForLog(/(Starting session: command[^\n]*\n[^]*){6}/);
    assert.equal((sshd.log().match(/Starting session: command/g) ?? []).length, 6);
  } finally {
    lease.release();
  }
});

Deno.test("a refused exec on the channel opened ahead is retried on a fresh channel", async () => {
  let refusals = 0;
  await using fake = await FakeSshServer.start({
    users: { test: { password: "pw" } },
    // Refuse each command once: the first attempt of every command after the first is the one
    // sent on the channel opened ahead.
    refuseExec: (command) => command !== "echo first" && refusals++ % 2 === 0,
  });
  await using env = await fakeEnv(fake);
  const lease = await leased(env, "f");
  try {
    const conn = lease.connection;
    assert.equal((await run(conn, "echo first")).stdout.text, "first\n");
    await until(() => conn.hasChannelAhead, 5000, "a channel opened ahead");
    const r = await run(conn, "echo second");
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout.text, "second\n");
    assert.equal(conn.execsAhead, 0, "the refused channel was not counted as used");
    assert.ok(fake.events.some((e) => e.type === "exec-refused" && e.command === "echo second"));
  } finally {
    lease.release();
  }
});

Deno.test("a channel opened ahead that the server closed is replaced; the next command still runs", async () => {
  await using fake = await FakeSshServer.start({
    users: { test: { password: "pw" } },
    closeIdleSessionsMs: 150,
  });
  await using env = await fakeEnv(fake);
  const lease = await leased(env, "f");
  try {
    const conn = lease.connection;
    assert.equal((await run(conn, "echo one")).stdout.text, "one\n");
    await until(
      () => fake.events.some((e) => e.type === "session-closed"),
      5000,
      "the server close",
    );
    await until(() => !conn.hasChannelAhead, 5000, "the closed channel to be dropped");
    const r = await run(conn, "echo two");
    assert.equal(r.stdout.text, "two\n");
    assert.equal(r.exitCode, 0);
  } finally {
    lease.release();
  }
});
