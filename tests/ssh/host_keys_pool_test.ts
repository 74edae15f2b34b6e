/** Host keys through the pool: trust on first use, refusal of a changed key, hashed known_hosts. */
import assert from "node:assert/strict";
import { HostKeyMismatchError, HostKeyUnknownError, sshExec, SshPool } from "../../lib/ssh/mod.ts";
import { startSshd } from "../helpers/sshd.ts";
import { entryFor, sshTestEnv } from "./_env.ts";
import { runText } from "./_keys.ts";

Deno.test("sshExec() records an unknown host key (accept-new), then refuses the changed key after restart", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({ inventory: { web: entryFor(sshd, "ed25519") } });
  const exec = () =>
    sshExec(env.resolver.resolveTarget("web"), {
      pool: env.pool,
      command: "echo ok",
      timeoutMs: 10_000,
      maxOutput: 1024,
    });
  assert.equal((await exec()).stdout.text, "ok\n");
  const recorded = await Deno.readTextFile(env.knownHosts);
  assert.match(recorded, new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 `));
  const oldFp = sshd.fingerprint();

  // The pooled connection keeps working; a new connection after the key changed is refused.
  await env.pool.closeAll();
  env.pool = new SshPool({ maxConns: 8, idleTimeoutMs: 0, home: env.home });
  await sshd.restart({ newHostKeys: true });
  const err = await exec().catch((e) => e);
  assert.ok(err instanceof HostKeyMismatchError, String(err));
  assert.equal(err.fingerprint, sshd.fingerprint());
  assert.ok(err.message.includes(oldFp), err.message);
  assert.match(err.message, /ssh-keygen -R/);
  assert.equal(await Deno.readTextFile(env.knownHosts), recorded, "nothing appended");
});

Deno.test("sshExec() in strict mode refuses an unknown host and names ssh-keyscan", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    inventory: { web: entryFor(sshd, "ed25519", { known_hosts: "strict" }) },
  });
  const err = await sshExec(env.resolver.resolveTarget("web"), {
    pool: env.pool,
    command: "true",
    timeoutMs: 10_000,
    maxOutput: 1024,
  }).catch((e) => e);
  assert.ok(err instanceof HostKeyUnknownError, String(err));
  assert.equal(err.fingerprint, sshd.fingerprint());
});

Deno.test("sshExec() matches hashed known_hosts entries and records hashed under HashKnownHosts", async () => {
  await using sshd = await startSshd({ agent: false });
  await using other = await startSshd({ agent: false, name: "other" });
  await using env = await sshTestEnv({
    trust: [sshd],
    sshConfig: "Host *\n  HashKnownHosts yes\n",
    inventory: {
      hashed: entryFor(sshd, "ed25519", { known_hosts: "strict" }),
      fresh: entryFor(other, "ed25519"),
    },
  });
  // Hash the trusted file the way OpenSSH does (ssh-keygen -H), leaving no plain names.
  await runText("ssh-keygen", ["-q", "-H", "-f", env.knownHosts]);
  await Deno.remove(`${env.knownHosts}.old`).catch(() => {});
  const hashedText = await Deno.readTextFile(env.knownHosts);
  assert.ok(!hashedText.includes("127.0.0.1"), "names are hashed");
  const run = (alias: string) =>
    sshExec(env.resolver.resolveTarget(alias), {
      pool: env.pool,
      command: "echo ok",
      timeoutMs: 10_000,
      maxOutput: 1024,
    });
  assert.equal((await run("hashed")).stdout.text, "ok\n");
  assert.equal((await run("fresh")).stdout.text, "ok\n");
  const lines = (await Deno.readTextFile(env.knownHosts)).trim().split("\n");
  const added = lines[lines.length - 1];
  assert.match(added, /^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
  // ssh-keygen finds the recorded entry under [127.0.0.1]:port.
  const found = await runText("ssh-keygen", [
    "-F",
    `[127.0.0.1]:${other.port}`,
    "-f",
    env.knownHosts,
  ]);
  assert.match(found, /ssh-ed25519/);
});
