import assert from "node:assert/strict";
import {
  hostKeyAlgorithmsFor,
  HostKeyMismatchError,
  HostKeyUnknownError,
  HostKeyVerifier,
  hostKeyVerifierFor,
  HostResolver,
  preferredHostKeyAlgorithms,
} from "../../lib/ssh/mod.ts";
import { startSshd } from "../helpers/sshd.ts";
import { closeClient, connectClient, execOnce } from "../helpers/ssh2_client.ts";

Deno.test("HostKeyVerifier records on first use, passes strict next time, refuses the restarted sshd's new key", async () => {
  await using sshd = await startSshd({ agent: false });
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/.ssh/known_hosts`;
    const privateKey = await Deno.readTextFile(sshd.users.ed.path);
    const connect = async (mode: "strict" | "accept-new") => {
      const verifier = new HostKeyVerifier({
        host: sshd.host,
        port: sshd.port,
        mode,
        userFiles: [file],
        home: dir,
      });
      const client = await connectClient({
        port: sshd.port,
        username: sshd.users.ed.user,
        privateKey,
        hostVerifier: verifier.hostVerifier,
      }).catch((err) => {
        throw verifier.error ?? err;
      });
      return { verifier, client };
    };

    const first = await connect("accept-new");
    assert.equal(first.verifier.result?.status, "unknown");
    assert.equal(first.verifier.presented?.fingerprint, sshd.fingerprint("ssh-ed25519"));
    assert.equal((await execOnce(first.client, "id -un")).stdout.trim(), "rstest-ed");
    await closeClient(first.client);
    assert.equal(await Deno.readTextFile(file), `${sshd.knownHostsLine()}\n`);

    const second = await connect("strict");
    assert.equal(second.verifier.result?.status, "match");
    await closeClient(second.client);

    const oldFingerprint = sshd.fingerprint("ssh-ed25519");
    await sshd.restart({ newHostKeys: true });
    for (const mode of ["strict", "accept-new"] as const) {
      const err = await connect(mode).then(() => undefined, (e) => e);
      assert.ok(err instanceof HostKeyMismatchError, `${mode}: ${err}`);
      assert.equal(err.fingerprint, sshd.fingerprint("ssh-ed25519"));
      assert.deepEqual(err.expected.map((r) => [r.fingerprint, r.line]), [[oldFingerprint, 1]]);
      assert.match(
        err.message,
        new RegExp(
          `^Host key for \\[127\\.0\\.0\\.1\\]:${sshd.port} changed: .*\\(~/\\.ssh/known_hosts:1\\)`,
        ),
      );
    }
    assert.equal(
      (await Deno.readTextFile(file)).trim().split("\n").length,
      1,
      "nothing recorded after a change",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HostKeyVerifier with known-type preference verifies RSA and refuses a type the host is not known with", async () => {
  await using sshd = await startSshd({ agent: false });
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/known_hosts`;
    await Deno.writeTextFile(file, `${sshd.knownHostsLine(sshd.host, sshd.port, "ssh-rsa")}\n`);
    const privateKey = await Deno.readTextFile(sshd.users.rsa.path);
    const attempt = async (serverHostKey: string[]) => {
      const verifier = new HostKeyVerifier({
        host: sshd.host,
        port: sshd.port,
        mode: "accept-new",
        userFiles: [file],
      });
      const result = await connectClient({
        port: sshd.port,
        username: sshd.users.rsa.user,
        privateKey,
        hostVerifier: verifier.hostVerifier,
        serverHostKey,
      }).then(async (c) => {
        await closeClient(c);
        return "connected";
      }, (e) => e);
      return { verifier, result };
    };
    const rsa = await attempt(preferredHostKeyAlgorithms(["ssh-rsa"]));
    assert.equal(rsa.result, "connected");
    assert.equal(rsa.verifier.presented?.keyType, "ssh-rsa");
    assert.equal(rsa.verifier.presented?.fingerprint, sshd.fingerprint("ssh-rsa"));
    const ed = await attempt(["ssh-ed25519"]);
    assert.ok(ed.result instanceof Error);
    assert.ok(ed.verifier.error instanceof HostKeyMismatchError);
    assert.equal(ed.verifier.error.reason, "other-key-types");
    assert.equal(ed.verifier.presented?.fingerprint, sshd.fingerprint("ssh-ed25519"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HostKeyVerifier strict refuses an unknown sshd and reports its fingerprint", async () => {
  await using sshd = await startSshd({ agent: false });
  const verifier = new HostKeyVerifier({
    host: sshd.host,
    port: sshd.port,
    mode: "strict",
    userFiles: ["/nonexistent/kh"],
  });
  const err = await connectClient({
    port: sshd.port,
    username: sshd.users.password.user,
    password: sshd.users.password.password,
    hostVerifier: verifier.hostVerifier,
  }).then(() => undefined, (e) => e);
  assert.match(String(err), /Host denied/);
  assert.ok(verifier.error instanceof HostKeyUnknownError);
  assert.equal(verifier.presented?.fingerprint, sshd.fingerprint("ssh-ed25519"));
  assert.doesNotMatch(sshd.log(), /Accepted/);
});

Deno.test("the sshd harness accepts ssh2 with ed25519, RSA, passphrase, password and agent auth", async () => {
  await using sshd = await startSshd();
  const u = sshd.users;
  const ways = [
    { username: u.ed.user, privateKey: await Deno.readTextFile(u.ed.path) },
    { username: u.rsa.user, privateKey: await Deno.readTextFile(u.rsa.path) },
    {
      username: u.passphraseKey.user,
      privateKey: await Deno.readTextFile(u.passphraseKey.path),
      passphrase: u.passphraseKey.passphrase,
    },
    { username: u.password.user, password: u.password.password },
    { username: u.ed.user, agent: sshd.agentSocket! },
  ];
  for (const w of ways) {
    const c = await connectClient({ port: sshd.port, ...w });
    assert.equal((await execOnce(c, "id -un")).stdout.trim(), w.username);
    await closeClient(c);
  }
});

Deno.test("hostKeyVerifierFor() checks a resolved ssh_config target against the files ssh_config names", async () => {
  await using sshd = await startSshd({ agent: false });
  const dir = await Deno.makeTempDir();
  try {
    const kh = `${dir}/kh_%h_%p`;
    await Deno.writeTextFile(
      `${dir}/config`,
      `Host box\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.users.rsa.user}\n` +
        `  IdentityFile ${sshd.users.rsa.path}\n  UserKnownHostsFile ${kh}\n  GlobalKnownHostsFile /dev/null\n` +
        `  StrictHostKeyChecking accept-new\n  HashKnownHosts yes\n`,
    );
    const resolver = new HostResolver({
      sshConfigPath: `${dir}/config`,
      inventoryPath: "",
      home: dir,
      env: {},
    });
    const connectOnce = async () => {
      const t = resolver.resolveTarget("box");
      const verifier = hostKeyVerifierFor(t, { home: dir });
      const c = await connectClient({
        port: t.port,
        username: t.user,
        privateKey: await Deno.readTextFile(t.identityFiles[0]),
        hostVerifier: verifier.hostVerifier,
        serverHostKey: await hostKeyAlgorithmsFor(t),
      });
      await closeClient(c);
      return { t, verifier };
    };
    const first = await connectOnce();
    const file = `${dir}/kh_127.0.0.1_${sshd.port}`;
    assert.deepEqual(first.t.userKnownHostsFiles, [file]);
    assert.equal(first.verifier.result?.recorded?.file, file);
    assert.match(await Deno.readTextFile(file), /^\|1\|/);
    // Recorded as ed25519 (ssh2's first choice); the next connect prefers it and matches.
    assert.deepEqual((await hostKeyAlgorithmsFor(first.t))[0], "ssh-ed25519");
    const second = await connectOnce();
    assert.equal(second.verifier.result?.status, "match");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
