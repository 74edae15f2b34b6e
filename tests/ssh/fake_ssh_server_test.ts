import assert from "node:assert/strict";
import type { Buffer } from "node:buffer";
import { HostKeyMismatchError, HostKeyVerifier } from "../../lib/ssh/mod.ts";
import { deviceCli } from "../helpers/device_cli.ts";
import { FakeSshServer, generateKeyPair, startSilentListener } from "../helpers/fake_ssh_server.ts";
import {
  type ClientChannel,
  closeClient,
  connectClient,
  execOnce,
} from "../helpers/ssh2_client.ts";

Deno.test("FakeSshServer accepts password, public key and keyboard-interactive auth and runs exec", async () => {
  const key = generateKeyPair("ed25519");
  await using server = await FakeSshServer.start({
    users: {
      alice: { password: "pw-alice" },
      bob: { publicKeys: [key.public] },
      carol: { keyboardInteractive: "kbd-secret" },
    },
  });
  const a = await connectClient({ port: server.port, username: "alice", password: "pw-alice" });
  assert.deepEqual(await execOnce(a, "echo hello"), { stdout: "hello\n", stderr: "", code: 0 });
  assert.equal((await execOnce(a, "exit 3")).code, 3);
  assert.equal((await execOnce(a, "nope")).code, 127);
  await closeClient(a);
  const b = await connectClient({ port: server.port, username: "bob", privateKey: key.private });
  assert.equal((await execOnce(b, "echo key")).stdout, "key\n");
  await closeClient(b);
  const c = await connectClient({
    port: server.port,
    username: "carol",
    tryKeyboard: true,
    onKeyboardInteractive: () => ["kbd-secret"],
  });
  await closeClient(c);
  await assert.rejects(
    connectClient({ port: server.port, username: "alice", password: "wrong" }),
    /All configured authentication methods failed/,
  );
  const auths = server.events.filter((e) => e.type === "auth" && e.ok);
  assert.deepEqual(auths.map((e) => e.type === "auth" && `${e.user}:${e.method}`), [
    "alice:password",
    "bob:publickey",
    "carol:keyboard-interactive",
  ]);
});

function readUntil(ch: ClientChannel, needle: RegExp, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${needle}: ${JSON.stringify(buf)}`)),
      timeoutMs,
    );
    const onData = (c: Buffer) => {
      buf += c.toString();
      if (needle.test(buf)) {
        clearTimeout(timer);
        ch.removeListener("data", onData);
        resolve(buf);
      }
    };
    ch.on("data", onData);
  });
}

Deno.test("deviceCli() pages with --More-- until paging is turned off", async () => {
  const lines = Array.from({ length: 10 }, (_, i) => `Gi0/${i} up`).join("\n");
  await using server = await FakeSshServer.start({
    shell: deviceCli({ prompt: "switch01#", commands: { "show interfaces": lines }, pageLines: 4 }),
  });
  const client = await connectClient({ port: server.port, username: "test", password: "test" });
  const ch = await new Promise<ClientChannel>((resolve, reject) =>
    client.shell(
      { term: "vt100", cols: 80, rows: 24 },
      (err, c) => (err ? reject(err) : resolve(c)),
    )
  );
  await readUntil(ch, /switch01#$/);
  let p = readUntil(ch, /--More-- $/);
  ch.write("show interfaces\r");
  let out = await p;
  assert.match(out, /Gi0\/3 up\r\n --More-- $/);
  assert.doesNotMatch(out, /Gi0\/4/);
  p = readUntil(ch, /--More-- $/);
  ch.write(" ");
  out = await p;
  assert.match(out, /Gi0\/7 up/);
  p = readUntil(ch, /switch01#$/);
  ch.write("q");
  await p;
  p = readUntil(ch, /switch01#$/);
  ch.write("terminal length 0\r");
  await p;
  p = readUntil(ch, /Gi0\/9 up\r\nswitch01#$/);
  ch.write("show interfaces\r");
  out = await p;
  assert.doesNotMatch(out, /More/);
  p = readUntil(ch, /Invalid input/);
  ch.write("bogus\r");
  await p;
  const closed = new Promise((r) => ch.on("close", r));
  ch.write("exit\r");
  await closed;
  await closeClient(client);
  assert.ok(server.events.some((e) => e.type === "pty" && e.info.cols === 80));
});

Deno.test("FakeSshServer drops connections abruptly and swaps host keys on the same port", async () => {
  await using server = await FakeSshServer.start();
  const first = server.hostKey;
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/known_hosts`;
    const opts = {
      host: "127.0.0.1",
      port: server.port,
      mode: "accept-new" as const,
      userFiles: [file],
    };
    const v1 = new HostKeyVerifier(opts);
    const client = await connectClient({
      port: server.port,
      username: "test",
      password: "test",
      hostVerifier: v1.hostVerifier,
    });
    assert.equal(v1.presented?.fingerprint, first.fingerprint);
    const closed = new Promise<void>((r) => client.on("close", () => r()));
    const dropped = execOnce(client, "disconnect").catch((e) => e);
    await closed;
    await dropped;

    const port = server.port;
    const second = await server.swapHostKey();
    assert.equal(server.port, port);
    assert.notEqual(second.fingerprint, first.fingerprint);
    const v2 = new HostKeyVerifier(opts);
    const err = await connectClient({
      port: server.port,
      username: "test",
      password: "test",
      hostVerifier: v2.hostVerifier,
    }).then(() => undefined, (e) => e);
    assert.ok(err instanceof Error);
    assert.ok(v2.error instanceof HostKeyMismatchError, String(v2.error));
    assert.equal(v2.error.fingerprint, second.fingerprint);
    assert.deepEqual(v2.error.expected.map((r) => r.fingerprint), [first.fingerprint]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FakeSshServer's hang command never answers, and a silent listener never sends a banner", async () => {
  await using server = await FakeSshServer.start();
  const client = await connectClient({ port: server.port, username: "test", password: "test" });
  const result = await Promise.race([
    execOnce(client, "hang").then(() => "answered"),
    new Promise((r) => setTimeout(() => r("still waiting"), 300)),
  ]);
  assert.equal(result, "still waiting");
  client.destroy();
  await new Promise((r) => setTimeout(r, 50));
  const silent = startSilentListener();
  try {
    await assert.rejects(
      connectClient({ port: silent.port, username: "test", password: "test", readyTimeout: 300 }),
      /Timed out while waiting for handshake/,
    );
  } finally {
    await silent.close();
  }
});
