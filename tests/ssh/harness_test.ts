import assert from "node:assert/strict";
import { pidAlive } from "../helpers/proc.ts";
import { type ClientAuth, descendants, startSshd } from "../helpers/sshd.ts";

async function ssh(args: string[], env: Record<string, string>, command = "id -un") {
  const out = await new Deno.Command("ssh", {
    args: [...args, command],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout).trim(),
    stderr: new TextDecoder().decode(out.stderr).trim(),
  };
}

Deno.test("startSshd() serves every test user and auth method to the system ssh client", async () => {
  await using sshd = await startSshd();
  const cases: [ClientAuth, string][] = [
    ["ed25519", "rstest-ed"],
    ["rsa", "rstest-rsa"],
    ["passphrase", "rstest-ed"],
    ["password", "rstest-pw"],
    ["agent", "rstest-ed"],
  ];
  for (const [auth, user] of cases) {
    const r = await ssh(sshd.sshArgs(auth), sshd.sshEnv(auth));
    assert.equal(r.code, 0, `${auth}: ${r.stderr}\n${sshd.log()}`);
    assert.equal(r.stdout, user, auth);
  }
  await sshd.waitForLog(/Accepted publickey for rstest-ed/);
  await sshd.waitForLog(/Accepted password for rstest-pw/);
  await sshd.waitForLog(/Accepted publickey for rstest-rsa .* RSA SHA256:/);
});

Deno.test("startSshd() refuses wrong credentials and unknown host keys", async () => {
  await using sshd = await startSshd({ agent: false });
  const env = sshd.sshEnv("password");
  env.RSTEST_ASKPASS_VALUE = "not-the-password";
  const bad = await ssh(sshd.sshArgs("password", ["-o", "NumberOfPasswordPrompts=1"]), env);
  assert.notEqual(bad.code, 0);
  await sshd.waitForLog(/Failed password for rstest-pw/);
  await Deno.writeTextFile(sshd.knownHostsPath, "");
  const unknown = await ssh(sshd.sshArgs("ed25519"), sshd.sshEnv("ed25519"));
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /Host key verification failed|No .* host key is known/);
});

Deno.test("startSshd() instances chain as a jump host with ssh -J", async () => {
  await using jump = await startSshd({ name: "jump", agent: false });
  await using target = await startSshd({ name: "target", agent: false });
  const dir = await Deno.makeTempDir();
  try {
    const config = `${dir}/config`;
    await Deno.writeTextFile(
      config,
      jump.clientConfigBlock("rs-jump", "ed25519") + target.clientConfigBlock("rs-target", "rsa"),
    );
    const r = await ssh(["-F", config, "-J", "rs-jump", "rs-target"], {
      PATH: Deno.env.get("PATH")!,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "rstest-rsa");
    // The target saw the connection arrive from the jump host (a forwarded channel from loopback).
    await jump.waitForLog(/Accepted publickey for rstest-ed/);
    await target.waitForLog(/Accepted publickey for rstest-rsa/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SshdHarness.restart() keeps the port and can present new host keys", async () => {
  await using sshd = await startSshd({ agent: false });
  const port = sshd.port;
  const before = sshd.fingerprint("ssh-ed25519");
  const old = await Deno.readTextFile(sshd.knownHostsPath);
  await sshd.restart({ newHostKeys: true });
  assert.equal(sshd.port, port);
  assert.notEqual(sshd.fingerprint("ssh-ed25519"), before);
  // The old known_hosts no longer verifies; the refreshed one does.
  const oldFile = `${sshd.dir}/old_known_hosts`;
  await Deno.writeTextFile(oldFile, old);
  const args = sshd.sshArgs("ed25519").map((a) => a.replace(sshd.knownHostsPath, oldFile));
  const refused = await ssh(args, sshd.sshEnv("ed25519"));
  assert.notEqual(refused.code, 0);
  assert.match(
    refused.stderr,
    /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/,
  );
  const ok = await ssh(sshd.sshArgs("ed25519"), sshd.sshEnv("ed25519"));
  assert.equal(ok.code, 0, ok.stderr);
});

Deno.test("SshdHarness.stop() ends sshd and its connection children", async () => {
  const sshd = await startSshd({ agent: false });
  const pid = sshd.pid;
  // Keep a session open while stopping.
  const child = new Deno.Command("ssh", {
    args: [...sshd.sshArgs("ed25519"), "sleep 30"],
    env: sshd.sshEnv("ed25519"),
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const sleeping = () =>
    descendants(pid).some((p) => {
      try {
        return Deno.readTextFileSync(`/proc/${p}/comm`).trim() === "sleep";
      } catch {
        return false;
      }
    });
  const deadline = Date.now() + 5000;
  while (!sleeping() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(sleeping(), "the remote command runs");
  const kids = descendants(pid);
  assert.ok(kids.length > 0, "a per-connection sshd child exists");
  await sshd.stop();
  const status = await child.status;
  assert.notEqual(status.code, 0);
  for (const p of [pid, ...kids]) assert.equal(pidAlive(p), false, `pid ${p} still runs`);
});
