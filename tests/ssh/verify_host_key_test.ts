import assert from "node:assert/strict";
import {
  fingerprintSha256,
  HostKeyError,
  HostKeyMismatchError,
  HostKeyRevokedError,
  HostKeyUnknownError,
  parseKnownHosts,
  recordHostKey,
  verifyHostKey,
} from "../../lib/ssh/mod.ts";
import { newKey, runText } from "./_keys.ts";

async function tempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("verifyHostKey() accept-new records [host]:port in a new 0600 file under a new 0700 dir", async () => {
  await tempDir(async (dir) => {
    const file = `${dir}/home/.ssh/known_hosts`;
    const k = newKey();
    const v = await verifyHostKey({
      host: "127.0.0.1",
      port: 2222,
      key: k.blob,
      mode: "accept-new",
      userFiles: [file, `${dir}/home/.ssh/known_hosts2`],
    });
    assert.equal(v.status, "unknown");
    assert.deepEqual(v.recorded, {
      file,
      line: 1,
      keyType: "ssh-ed25519",
      fingerprint: fingerprintSha256(k.blob),
    });
    assert.equal(await Deno.readTextFile(file), `[127.0.0.1]:2222 ${k.line}\n`);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${dir}/home/.ssh`)).mode! & 0o777, 0o700);
    // The second connect matches and writes nothing.
    const again = await verifyHostKey({
      host: "127.0.0.1",
      port: 2222,
      key: k.blob,
      mode: "accept-new",
      userFiles: [file],
    });
    assert.equal(again.status, "match");
    assert.equal(again.recorded, null);
    assert.equal((await Deno.readTextFile(file)).split("\n").length, 2);
    // OpenSSH agrees with what was written.
    const found = await runText("ssh-keygen", ["-F", "[127.0.0.1]:2222", "-f", file]);
    assert.match(found, /Host \[127\.0\.0\.1\]:2222 found: line 1/);
  });
});

Deno.test("verifyHostKey() accept-new writes the plain host on port 22, hashed when asked, after a missing final newline", async () => {
  await tempDir(async (dir) => {
    const file = `${dir}/known_hosts`;
    const other = newKey();
    await Deno.writeTextFile(file, `other.example ${other.line}`); // no final newline
    const k = newKey("rsa");
    const v = await verifyHostKey({
      host: "web.example",
      key: k.blob,
      mode: "accept-new",
      userFiles: [file],
    });
    assert.equal(v.recorded?.line, 2);
    assert.equal(
      await Deno.readTextFile(file),
      `other.example ${other.line}\nweb.example ${k.line}\n`,
    );
    const h = newKey();
    const hv = await verifyHostKey({
      host: "10.9.8.7",
      port: 2200,
      key: h.blob,
      mode: "accept-new",
      userFiles: [file],
      hashKnownHosts: true,
    });
    assert.equal(hv.recorded?.line, 3);
    const last = (await Deno.readTextFile(file)).trim().split("\n")[2];
    assert.match(last, /^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
    assert.doesNotMatch(last, /10\.9\.8\.7/);
    assert.match(
      await runText("ssh-keygen", ["-F", "[10.9.8.7]:2200", "-f", file]),
      /found: line 3/,
    );
    const again = await verifyHostKey({
      host: "10.9.8.7",
      port: 2200,
      key: h.blob,
      mode: "strict",
      userFiles: [file],
    });
    assert.equal(again.status, "match");
  });
});

Deno.test("verifyHostKey() refuses a changed key in accept-new and strict with both fingerprints and file:line", async () => {
  await tempDir(async (dir) => {
    const home = `${dir}/home`;
    const file = `${home}/.ssh/known_hosts`;
    const old = newKey();
    const presented = newKey();
    await Deno.mkdir(`${home}/.ssh`, { recursive: true });
    await Deno.writeTextFile(file, `# one\n# two\n[127.0.0.1]:2222 ${old.line}\n`);
    for (const mode of ["accept-new", "strict"] as const) {
      const err = await verifyHostKey({
        host: "127.0.0.1",
        port: 2222,
        key: presented.blob,
        mode,
        userFiles: [file],
        home,
      }).then(() => undefined, (e) => e);
      assert.ok(err instanceof HostKeyMismatchError, `${mode}: ${err}`);
      assert.ok(err instanceof HostKeyError);
      assert.equal(err.name, "HostKeyMismatchError");
      assert.equal(err.host, "127.0.0.1");
      assert.equal(err.port, 2222);
      assert.equal(err.keyType, "ssh-ed25519");
      assert.equal(err.reason, "changed");
      assert.equal(err.fingerprint, fingerprintSha256(presented.blob));
      assert.deepEqual(err.expected, [{
        file,
        line: 3,
        keyType: "ssh-ed25519",
        fingerprint: fingerprintSha256(old.blob),
      }]);
      assert.equal(
        err.message,
        `Host key for [127.0.0.1]:2222 changed: known ${
          fingerprintSha256(old.blob)
        } (~/.ssh/known_hosts:3), ` +
          `presented ${
            fingerprintSha256(presented.blob)
          }; if the change is expected, remove the old entry with ` +
          `ssh-keygen -R '[127.0.0.1]:2222'`,
      );
    }
    // Nothing was appended.
    assert.equal((await Deno.readTextFile(file)).trim().split("\n").length, 3);
  });
});

Deno.test("verifyHostKey() refuses a key of a type not known for a known host, naming -f for other files", async () => {
  await tempDir(async (dir) => {
    const file = `${dir}/kh`;
    const ed = newKey();
    await Deno.writeTextFile(file, `h.example ${ed.line}\n`);
    const err = await verifyHostKey({
      host: "h.example",
      key: newKey("ecdsa").blob,
      mode: "accept-new",
      userFiles: [file],
    })
      .then(() => undefined, (e) => e);
    assert.ok(err instanceof HostKeyMismatchError);
    assert.equal(err.reason, "other-key-types");
    assert.match(
      err.message,
      /of a type not known for this host: known ssh-ed25519 SHA256:\S+ \(.*kh:1\), presented ecdsa-sha2-nistp256 SHA256:/,
    );
    assert.ok(err.message.endsWith(`ssh-keygen -R 'h.example' -f ${file}`), err.message);
  });
});

Deno.test("verifyHostKey() strict refuses unknown hosts; ignore accepts anything and still reports the fingerprint", async () => {
  await tempDir(async (dir) => {
    const file = `${dir}/kh`;
    const k = newKey();
    const err = await verifyHostKey({
      host: "new.example",
      port: 2022,
      key: k.blob,
      mode: "strict",
      userFiles: [file],
    })
      .then(() => undefined, (e) => e);
    assert.ok(err instanceof HostKeyUnknownError);
    assert.equal(err.reason, "unknown");
    assert.match(
      err.message,
      /Host key for \[new\.example\]:2022 is not known .*\(ssh-keyscan -p 2022 'new\.example' >> \/.*\/kh\)/,
    );
    assert.equal(
      await Deno.stat(file).then(() => true, () => false),
      false,
      "strict writes nothing",
    );
    const ignored = await verifyHostKey({
      host: "new.example",
      key: k.blob,
      mode: "ignore",
      userFiles: [file],
    });
    assert.equal(ignored.status, "unchecked");
    assert.equal(ignored.fingerprint, fingerprintSha256(k.blob));
    assert.equal(
      await Deno.stat(file).then(() => true, () => false),
      false,
      "ignore writes nothing",
    );
  });
});

Deno.test("verifyHostKey() refuses @revoked keys and @cert-authority-only hosts in every checking mode", async () => {
  await tempDir(async (dir) => {
    const file = `${dir}/kh`;
    const bad = newKey();
    await Deno.writeTextFile(
      file,
      `@revoked * ${bad.line}\n@cert-authority *.corp ${newKey().line}\n`,
    );
    for (const mode of ["strict", "accept-new"] as const) {
      const revoked = await verifyHostKey({ host: "x", key: bad.blob, mode, userFiles: [file] })
        .then(() => 0, (e) => e);
      assert.ok(revoked instanceof HostKeyRevokedError, `${mode}`);
      assert.match(
        revoked.message,
        /is revoked: presented ssh-ed25519 SHA256:\S+ is marked @revoked at .*kh:1/,
      );
      const ca = await verifyHostKey({
        host: "db.corp",
        key: newKey().blob,
        mode,
        userFiles: [file],
      }).then(() => 0, (e) => e);
      assert.ok(ca instanceof HostKeyUnknownError, `${mode}`);
      assert.equal(ca.reason, "ca-only");
      assert.match(ca.message, /certificate host keys are not supported/);
    }
    assert.equal((await Deno.readTextFile(file)).trim().split("\n").length, 2);
  });
});

Deno.test("verifyHostKey() accepts a key from a read-only global file and never writes there", async () => {
  await tempDir(async (dir) => {
    const global = `${dir}/ssh_known_hosts`;
    const user = `${dir}/user_kh`;
    const k = newKey();
    await Deno.writeTextFile(global, `g.example ${k.line}\n`);
    const v = await verifyHostKey({
      host: "g.example",
      key: k.blob,
      mode: "accept-new",
      userFiles: [user],
      globalFiles: [global],
    });
    assert.equal(v.status, "match");
    assert.equal(v.known[0].file, global);
    assert.equal(await Deno.stat(user).then(() => true, () => false), false);
    await assert.rejects(
      verifyHostKey({ host: "x", key: k.blob, mode: "accept-new", userFiles: [] }),
      /userFiles: accept-new needs a user known_hosts file/,
    );
  });
});

Deno.test("recordHostKey() appends concurrently from one process and several without interleaving or duplicates", async () => {
  await tempDir(async (dir) => {
    const file = `${dir}/known_hosts`;
    const keys = Array.from({ length: 40 }, () => newKey());
    // In process: 40 hosts, each recorded twice at once.
    await Promise.all(keys.flatMap((k, i) => [
      recordHostKey({ host: `h${i}.example`, port: 2200 + i, key: k.blob, file }),
      recordHostKey({ host: `h${i}.example`, port: 2200 + i, key: k.blob, file }),
    ]));
    // Four processes at once, each writing 25 hosts, half of them shared with another process.
    const procKeys = Array.from({ length: 50 }, () => newKey());
    const specs = procKeys.map((k, i) => `p${i}.example ${3000 + i} ${k.b64}`);
    const batches = [specs.slice(0, 25), specs.slice(25), specs.slice(10, 35), specs.slice(15, 40)];
    const fixture = new URL("../fixtures/record_host_key.ts", import.meta.url).pathname;
    const outs = await Promise.all(batches.map((b) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-prompt", fixture, file, ...b],
        env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output()
    ));
    for (const o of outs) assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
    const text = await Deno.readTextFile(file);
    const parsed = parseKnownHosts(text, file);
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.entries.length, 90);
    assert.equal(new Set(parsed.entries.map((e) => e.hosts)).size, 90);
    assert.ok(text.endsWith("\n"));
  });
});
