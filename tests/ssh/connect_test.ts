/** connectSsh() and the pool against a real OpenSSH sshd: every auth method, jump hosts, host keys. */
import assert from "node:assert/strict";
import {
  HostKeyMismatchError,
  SshAuthError,
  SshConnectError,
  sshExec,
  SshPool,
  SshUnsupportedError,
} from "../../lib/ssh/mod.ts";
import { startSshd } from "../helpers/sshd.ts";
import { entryFor, sshTestEnv } from "./_env.ts";

const run = (
  env: { pool: import("../../lib/ssh/mod.ts").SshPool },
  target: import("../../lib/ssh/mod.ts").ResolvedTarget,
  command: string,
) => sshExec(target, { pool: env.pool, command, timeoutMs: 10_000, maxOutput: 4096 });

Deno.test("connectSsh() authenticates with agent, ed25519, RSA, passphrase key and password", async () => {
  await using sshd = await startSshd();
  const u = sshd.users;
  await using env = await sshTestEnv({
    trust: [sshd],
    knownHostsMode: "strict",
    env: { SSH_AUTH_SOCK: sshd.agentSocket! },
    vars: { RSTEST_PP: u.passphraseKey.passphrase, RSTEST_PW: u.password.password },
    inventory: {
      agent: entryFor(sshd, "agent"),
      ed: entryFor(sshd, "ed25519", { identity_file: u.ed.path }),
      rsa: entryFor(sshd, "rsa"),
      pp: entryFor(sshd, "passphrase", { passphrase_env: "RSTEST_PP" }),
      pw: entryFor(sshd, "password"),
    },
  });
  const expected: Record<string, [string, RegExp]> = {
    agent: [u.ed.user, /Accepted publickey for rstest-ed .*ED25519/],
    ed: [u.ed.user, /Accepted publickey for rstest-ed/],
    rsa: [u.rsa.user, /Accepted publickey for rstest-rsa .*RSA/],
    pp: [u.ed.user, /Accepted publickey for rstest-ed/],
    pw: [u.password.user, /Accepted password for rstest-pw/],
  };
  for (const [alias, [user, logLine]] of Object.entries(expected)) {
    // The agent alias must not fall back to key files: there are none in the temp home.
    const r = await run(env, env.resolver.resolveTarget(alias), "id -un");
    assert.equal(r.exitCode, 0, `${alias}: ${r.stdout.text}`);
    assert.equal(r.stdout.text.trim(), user, alias);
    await sshd.waitForLog(logLine);
  }
  assert.equal(env.pool.size, 5);
});

Deno.test("IdentitiesOnly offers only the agent keys that match the configured identity files", async () => {
  await using sshd = await startSshd();
  const u = sshd.users;
  const block = (alias: string, only: string) =>
    `Host ${alias}\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${u.ed.user}\n` +
    `  IdentityAgent ${sshd.agentSocket}\n  IdentitiesOnly ${only}\n  IdentityFile ${u.passphraseKey.path}\n`;
  await using env = await sshTestEnv({
    trust: [sshd],
    sshConfig: block("free", "no") + block("only", "yes"),
  });
  // The agent holds the plain ed25519 key; the configured file is the (locked) passphrase key.
  const ok = await run(env, env.resolver.resolveTarget("free"), "id -un");
  assert.equal(ok.stdout.text.trim(), u.ed.user);
  const err = await run(env, env.resolver.resolveTarget("only"), "true").catch((e) => e);
  assert.ok(err instanceof SshAuthError, String(err));
  // The agent was asked, but offered none of its keys (the plain key matches no identity file).
  assert.match(err.message, /agent .*agent\.sock: refused/);
  assert.equal((sshd.log().match(/Accepted publickey/g) ?? []).length, 1, "only the free alias");
  assert.match(err.message, /is encrypted: set passphrase_env/);
});

Deno.test("connectSsh() names an encrypted key without passphrase_env and the unset variable", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: {
      nopp: entryFor(sshd, "passphrase"),
      unset: entryFor(sshd, "passphrase", { passphrase_env: "RSTEST_NOT_SET" }),
      wrong: entryFor(sshd, "passphrase", { passphrase_env: "RSTEST_WRONG" }),
    },
    vars: { RSTEST_WRONG: "not the passphrase" },
  });
  const key = sshd.users.passphraseKey.path;
  const cases: [string, RegExp][] = [
    ["nopp", /key .*id_ed25519_pass is encrypted: set passphrase_env .* NAME of a variable/],
    ["unset", /is encrypted and variable RSTEST_NOT_SET \(passphrase_env\) is not set/],
    ["wrong", /cannot decrypt it with the passphrase in RSTEST_WRONG/],
  ];
  for (const [alias, re] of cases) {
    const err = await run(env, env.resolver.resolveTarget(alias), "true").catch((e) => e);
    assert.ok(err instanceof SshAuthError, `${alias}: ${err}`);
    assert.match(err.message, re);
    assert.ok(err.message.includes(key.slice(key.lastIndexOf("/"))));
    assert.ok(!err.message.includes(sshd.users.passphraseKey.passphrase));
  }
});

Deno.test("connectSsh() reports a refused password by variable name, never the value", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { pw: entryFor(sshd, "password") },
    vars: { RSTEST_PW: "definitely-wrong-password" },
  });
  const err = await run(env, env.resolver.resolveTarget("pw"), "true").catch((e) => e);
  assert.ok(err instanceof SshAuthError, String(err));
  assert.match(err.message, /password from RSTEST_PW: refused/);
  assert.ok(!err.message.includes("definitely-wrong-password"));
});

Deno.test("connectSsh() refuses ProxyCommand and reports a closed port clearly", async () => {
  await using env = await sshTestEnv({
    sshConfig: "Host viaproxy\n  HostName 127.0.0.1\n  ProxyCommand nc %h %p\n",
    inventory: { closed: { hostname: "127.0.0.1", port: 1, user: "x" } },
  });
  const proxied = await run(env, env.resolver.resolveTarget("viaproxy"), "true").catch((e) => e);
  assert.ok(proxied instanceof SshUnsupportedError);
  assert.match(proxied.message, /ProxyCommand .* is not supported; use ProxyJump/);
  const closed = await run(env, env.resolver.resolveTarget("closed"), "true").catch((e) => e);
  assert.ok(closed instanceof SshConnectError);
  assert.match(closed.message, /Cannot connect to x@127\.0\.0\.1:1: connection refused/);
});

Deno.test("ProxyJump through a second sshd: each hop pooled and verified with its own settings", async () => {
  await using target = await startSshd({ agent: false });
  await using jump = await startSshd({ agent: false, name: "jump" });
  await using env = await sshTestEnv({
    trust: [target, jump],
    knownHostsMode: "strict",
    inventory: {
      bastion: entryFor(jump, "rsa"),
      inner: entryFor(target, "ed25519", { jump: "bastion" }),
    },
  });
  const inner = env.resolver.resolveTarget("inner");
  const r = await run(env, inner, "echo $SSH_CONNECTION");
  assert.equal(r.exitCode, 0, JSON.stringify(r));
  // The target sees the connection coming from the jump host's sshd (loopback, another port).
  assert.match(r.stdout.text, /^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+/);
  await jump.waitForLog(/Accepted publickey for rstest-rsa/);
  assert.equal(env.pool.connectionsTo(inner.jump!).length, 1, "the hop is pooled");
  assert.equal(env.pool.connectionsTo(inner).length, 1);

  // The hop's host key is checked with the hop's own settings: a changed jump key is refused
  // (the target's key is unchanged and trusted).
  await env.pool.closeAll();
  env.pool = new SshPool({ maxConns: 8, idleTimeoutMs: 0, home: env.home });
  await jump.restart({ newHostKeys: true });
  const err = await run(env, env.resolver.resolveTarget("inner"), "true").catch((e) => e);
  assert.ok(err instanceof HostKeyMismatchError, String(err));
  assert.equal(err.port, jump.port);
});
