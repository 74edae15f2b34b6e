/**
 * Port forwards: the spec parser (good and bad specs), the SOCKS5 handshake over real loopback
 * sockets, and ForwardManager against a real sshd (-D to IPv4, IPv6 and domain destinations with
 * the RFC 1928 reply codes, -L pinning its connection against idle eviction, -R, limits, close).
 */
import assert from "node:assert/strict";
import net from "node:net";
import {
  formatForwardSpec,
  ForwardLimitError,
  ForwardManager,
  ForwardNotFoundError,
  isLoopbackBind,
  parseForwardSpec,
  socks5Handshake,
  SOCKS_REPLY,
  type SocksRequest,
} from "../../lib/ssh/forward/mod.ts";
import { startSshd } from "../helpers/sshd.ts";
import { entryFor, sshTestEnv, until } from "./_env.ts";

Deno.test("parseForwardSpec() reads L, R and D specs, brackets IPv6, defaults the bind address", () => {
  const cases: [string, string][] = [
    ["L:8080:db:5432", "L:127.0.0.1:8080:db:5432"],
    ["l:0.0.0.0:0:[::1]:22", "L:0.0.0.0:0:[::1]:22"],
    ["R:[::1]:9000:localhost:80", "R:[::1]:9000:localhost:80"],
    ["R:0:10.0.0.5:443", "R:127.0.0.1:0:10.0.0.5:443"],
    ["D:1080", "D:127.0.0.1:1080"],
    ["d:[0:0:0:0:0:0:0:1]:0", "D:[::1]:0"],
    ["L:*:80:web.internal:8080", "L:*:80:web.internal:8080"],
    [" L:localhost:1:h_1:65535 ", "L:localhost:1:h_1:65535"],
  ];
  for (const [spec, want] of cases) assert.equal(formatForwardSpec(parseForwardSpec(spec)), want);
  const s = parseForwardSpec("L:[::1]:0:[fe80::1]:22");
  assert.deepEqual(s, {
    kind: "L",
    bindHost: "::1",
    bindPort: 0,
    destHost: "fe80::1",
    destPort: 22,
  });
  assert.equal(isLoopbackBind("127.0.0.1"), true);
  assert.equal(isLoopbackBind("::1"), true);
  assert.equal(isLoopbackBind("0.0.0.0"), false);
  assert.equal(isLoopbackBind("*"), false);
});

Deno.test("parseForwardSpec() refuses bad specs with a TypeError naming spec and the form", () => {
  const bad: [string, RegExp][] = [
    ["", /must start with L:, R: or D:/],
    ["X:1:a:2", /must start with L:, R: or D:/],
    ["L:8080", /has 1 field after L:/],
    ["L:8080:db", /has 2 fields/],
    ["L:a:b:c:d:e", /has 5 fields/],
    ["D:1:2:3", /has 3 fields after D:/],
    ["L:70000:db:1", /listen port 70000 is out of range 0\.\.65535/],
    ["L:1:db:0", /dest_port 0 is out of range 1\.\.65535/],
    ["L:1:db:http", /dest_port 'http' is not a port number/],
    ["L:-1:db:80", /listen port '-1' is not a port number/],
    ["L:[::1:80:h:1", /unclosed '\['/],
    ["L:[zz]:80:h:1", /bind address \[zz\] is not an IPv6 address/],
    ["L:1:[::1]x:80", /after '\]'/],
    ["L:example.com:80:h:1", /bind address example\.com must be an IP address, localhost or \*/],
    ["L:999.1.1.1:80:h:1", /bind address 999\.1\.1\.1 is not an IPv4 address/],
    ["L:1:bad host:2", /dest_host bad host is not a host name/],
    ["L:1::2", /dest_host is empty/],
  ];
  for (const [spec, re] of bad) {
    assert.throws(() => parseForwardSpec(spec), (err: Error) => {
      assert.ok(err instanceof TypeError, spec);
      assert.match(err.message, /^spec: /, spec);
      assert.match(err.message, re, spec);
      assert.match(err.message, /expected [LRD]:/, spec);
      return true;
    });
  }
});

/** Reads exactly `n` bytes from a Deno connection. */
async function readN(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await conn.read(out.subarray(got));
    if (r === null) throw new Error(`EOF after ${got} of ${n} bytes`);
    got += r;
  }
  return out;
}

/** Reads until EOF. */
async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const parts: number[] = [];
  const buf = new Uint8Array(4096);
  for (;;) {
    const r = await conn.read(buf).catch(() => null);
    if (r === null) return Uint8Array.from(parts);
    parts.push(...buf.subarray(0, r));
  }
}

function addrBytes(atyp: 1 | 3 | 4, host: string): number[] {
  if (atyp === 1) return [1, ...host.split(".").map(Number)];
  if (atyp === 3) return [3, host.length, ...new TextEncoder().encode(host)];
  // Only the forms used here: "::1" and "::ffff:7f00:1"-like full groups are not needed.
  const groups = host === "::1"
    ? [0, 0, 0, 0, 0, 0, 0, 1]
    : host.split(":").map((g) => parseInt(g, 16));
  return [4, ...groups.flatMap((g) => [g >> 8, g & 0xff])];
}

/** A SOCKS5 CONNECT (or `cmd`) request through `port`; returns the reply code and the socket. */
async function socksConnect(
  port: number,
  atyp: 1 | 3 | 4,
  host: string,
  destPort: number,
  cmd = 1,
): Promise<{ code: number; conn: Deno.Conn }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(Uint8Array.of(5, 2, 0x02, 0x00));
  assert.deepEqual([...await readN(conn, 2)], [5, 0], "no-auth method chosen");
  await conn.write(
    Uint8Array.of(5, cmd, 0, ...addrBytes(atyp, host), destPort >> 8, destPort & 0xff),
  );
  const head = await readN(conn, 4);
  assert.equal(head[0], 5);
  const tail = head[3] === 1 ? 6 : head[3] === 4 ? 18 : 0;
  await readN(conn, tail);
  return { code: head[1], conn };
}

/** Runs socks5Handshake on the server side of a loopback connection. */
async function handshakeWith(
  bytes: number[],
): Promise<{ result: { request: SocksRequest; rest: Uint8Array } | Error; reply: number[] }> {
  let resolveResult!: (r: { request: SocksRequest; rest: Uint8Array } | Error) => void;
  const result = new Promise<{ request: SocksRequest; rest: Uint8Array } | Error>((r) =>
    resolveResult = r
  );
  const server = net.createServer((sock) => {
    socks5Handshake(sock, { timeoutMs: 2000 }).then(resolveResult, resolveResult).finally(() =>
      sock.end()
    );
  });
  await new Promise<void>((r) => server.listen({ host: "127.0.0.1", port: 0 }, () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(Uint8Array.from(bytes));
  const r = await result;
  const reply = [...await readAll(conn)];
  conn.close();
  await new Promise<void>((done) => server.close(() => done()));
  return { result: r, reply };
}

Deno.test("socks5Handshake() parses IPv4, IPv6 and domain CONNECT requests and keeps early bytes", async () => {
  const v4 = await handshakeWith([5, 1, 0, 5, 1, 0, 1, 10, 1, 2, 3, 0x1f, 0x90, 0x41, 0x42]);
  assert.ok(!(v4.result instanceof Error), String(v4.result));
  assert.deepEqual(v4.result.request, { atyp: 1, host: "10.1.2.3", port: 8080 });
  assert.deepEqual([...v4.result.rest], [0x41, 0x42]);
  assert.deepEqual(v4.reply, [5, 0], "method selection only; the caller replies after dialling");

  const v6 = await handshakeWith([
    5,
    1,
    0,
    5,
    1,
    0,
    ...addrBytes(4, "2001:db8:0:0:0:0:0:7"),
    0,
    22,
  ]);
  assert.ok(!(v6.result instanceof Error));
  assert.deepEqual(v6.result.request, { atyp: 4, host: "2001:db8::7", port: 22 });

  const dn = await handshakeWith([5, 1, 0, 5, 1, 0, ...addrBytes(3, "example.org"), 1, 187]);
  assert.ok(!(dn.result instanceof Error));
  assert.deepEqual(dn.result.request, { atyp: 3, host: "example.org", port: 443 });
});

Deno.test("socks5Handshake() answers BIND with 0x07, an unknown address type with 0x08, no no-auth with 0xFF", async () => {
  const bind = await handshakeWith([5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80]);
  assert.ok(bind.result instanceof Error);
  assert.match(bind.result.message, /command 2 not supported/);
  assert.deepEqual(bind.reply.slice(0, 2), [5, 0]);
  assert.deepEqual(bind.reply.slice(2, 4), [5, SOCKS_REPLY.COMMAND_NOT_SUPPORTED]);

  const atyp = await handshakeWith([5, 1, 0, 5, 1, 0, 9, 0, 80]);
  assert.ok(atyp.result instanceof Error);
  assert.deepEqual(atyp.reply.slice(2, 4), [5, SOCKS_REPLY.ADDRESS_TYPE_NOT_SUPPORTED]);

  const auth = await handshakeWith([5, 1, 2]);
  assert.ok(auth.result instanceof Error);
  assert.deepEqual(auth.reply, [5, 0xff]);

  const v4 = await handshakeWith([4, 1, 0, 80, 127, 0, 0, 1, 0]);
  assert.ok(v4.result instanceof Error);
  assert.deepEqual(v4.reply, [], "not SOCKS5: closed without a reply");
});

/** A TCP echo server on `hostname` that prefixes every reply with `tag`. */
function echoServer(hostname: string, tag: string) {
  const listener = Deno.listen({ hostname, port: 0 });
  const conns = new Set<Deno.Conn>();
  const done = (async () => {
    for await (const c of listener) {
      conns.add(c);
      (async () => {
        const buf = new Uint8Array(65536);
        try {
          for (;;) {
            const n = await c.read(buf);
            if (n === null) break;
            await c.write(new TextEncoder().encode(tag));
            await c.write(buf.subarray(0, n));
          }
        } catch { /* closed */ }
        conns.delete(c);
        try {
          c.close();
        } catch { /* closed */ }
      })();
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await done;
    },
  };
}

async function roundTrip(conn: Deno.Conn, text: string, tag: string): Promise<string> {
  await conn.write(new TextEncoder().encode(text));
  return new TextDecoder().decode(await readN(conn, tag.length + text.length));
}

Deno.test("ForwardManager -D over a real sshd: IPv4, IPv6 and domain CONNECT; refused and BIND get their codes", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    inventory: { h: entryFor(sshd, "ed25519") },
    trust: [sshd],
  });
  const v4 = echoServer("127.0.0.1", "v4:");
  const v6 = echoServer("::1", "v6:");
  const fm = new ForwardManager({ pool: env.pool, maxForwards: 4 });
  try {
    const f = await fm.open(env.resolver.resolveTarget("h"), parseForwardSpec("D:0"));
    assert.equal(f.bind_address, "127.0.0.1");
    assert.ok(f.bind_port > 0);
    assert.equal(f.state, "active");
    for (
      const [atyp, host, srv, tag] of [
        [1, "127.0.0.1", v4, "v4:"],
        [4, "::1", v6, "v6:"],
        [3, "localhost", v4, "v4:"],
      ] as const
    ) {
      const { code, conn } = await socksConnect(f.bind_port, atyp, host, srv.port);
      assert.equal(code, SOCKS_REPLY.SUCCEEDED, host);
      assert.equal(await roundTrip(conn, "hello", tag), `${tag}hello`);
      conn.close();
    }
    const closedPort = v4.port;
    await v4.close();
    const refused = await socksConnect(f.bind_port, 1, "127.0.0.1", closedPort);
    assert.equal(refused.code, SOCKS_REPLY.CONNECTION_REFUSED);
    refused.conn.close();
    const bind = await socksConnect(f.bind_port, 1, "127.0.0.1", 1, 2);
    assert.equal(bind.code, SOCKS_REPLY.COMMAND_NOT_SUPPORTED);
    bind.conn.close();
    await until(() => fm.get(f.id).connections === 0, 5000, "connections to end");
    const info = fm.get(f.id);
    assert.equal(info.total_connections, 5);
    assert.ok(info.bytes_out >= 15 && info.bytes_in >= 24, JSON.stringify(info));
    assert.match(info.last_error, /refused/i);
    assert.equal(info.state, "active", "a refused destination is not a lost connection");
  } finally {
    await fm.closeAll();
    await v4.close().catch(() => {});
    await v6.close();
  }
});

Deno.test("ForwardManager -L pins its connection while a tunnel is open; close ends the tunnel; limit and ids", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    inventory: { h: entryFor(sshd, "ed25519") },
    trust: [sshd],
    pool: { idleTimeoutMs: 1, sweepIntervalMs: 0 },
  });
  const echo = echoServer("127.0.0.1", "e:");
  const fm = new ForwardManager({ pool: env.pool, maxForwards: 2 });
  try {
    const t = env.resolver.resolveTarget("h");
    const f = await fm.open(t, parseForwardSpec(`L:[::1]:0:127.0.0.1:${echo.port}`));
    assert.equal(f.id, "fwd-1");
    assert.equal(f.bind_address, "::1");
    const conn = await Deno.connect({ hostname: "::1", port: f.bind_port });
    assert.equal(await roundTrip(conn, "one", "e:"), "e:one");
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(env.pool.sweep(), 0, "the tunnel's connection is pinned");
    assert.equal(await roundTrip(conn, "two", "e:"), "e:two");
    await assert.rejects(
      fm.open(t, parseForwardSpec(`L:127.0.0.1:${echo.port}:127.0.0.1:1`)),
      /Cannot listen on 127\.0\.0\.1:\d+/,
    );
    const r = await fm.open(t, parseForwardSpec("D:0"));
    await assert.rejects(fm.open(t, parseForwardSpec("D:0")), ForwardLimitError);
    await fm.close(r.id);
    const info = await fm.close(f.id);
    assert.equal(info.state, "closed");
    assert.equal(info.bytes_out, 6);
    assert.equal(info.bytes_in, 10);
    assert.equal(await readAll(conn).then((b) => b.length), 0, "the client socket was ended");
    conn.close();
    assert.throws(() => fm.get(f.id), ForwardNotFoundError);
    await assert.rejects(fm.close("fwd-9"), /id: no forward fwd-9/);
    await assert.rejects(
      Deno.connect({ hostname: "::1", port: f.bind_port }),
      /refused/i,
      "the listener is closed",
    );
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(env.pool.sweep(), 1, "unpinned once the tunnel ended");
  } finally {
    await fm.closeAll();
    await echo.close();
  }
});

Deno.test("ForwardManager -R: the remote side reaches a local server; a refused bind fails the open", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    inventory: { h: entryFor(sshd, "ed25519") },
    trust: [sshd],
  });
  const echo = echoServer("127.0.0.1", "r:");
  const fm = new ForwardManager({ pool: env.pool, maxForwards: 4 });
  try {
    const t = env.resolver.resolveTarget("h");
    const f = await fm.open(t, parseForwardSpec(`R:0:127.0.0.1:${echo.port}`));
    assert.ok(f.bind_port > 0, "the port sshd picked");
    // The remote side is this machine: connect to the port sshd listens on.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: f.bind_port });
    assert.equal(await roundTrip(conn, "ping", "r:"), "r:ping");
    conn.close();
    await until(() => fm.get(f.id).connections === 0, 5000, "connection to end");
    assert.equal(fm.get(f.id).total_connections, 1);
    await assert.rejects(
      fm.open(t, parseForwardSpec(`R:${f.bind_port}:127.0.0.1:${echo.port}`)),
      /Cannot listen on 127\.0\.0\.1:\d+/,
    );
    assert.equal(fm.list().length, 1, "a failed open leaves nothing behind");
    await fm.close(f.id);
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: f.bind_port }), /refused/i);
  } finally {
    await fm.closeAll();
    await echo.close();
  }
});

Deno.test("ForwardManager: a changed host key after a drop makes -L failed and closes its listener", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    inventory: { h: entryFor(sshd, "ed25519") },
    trust: [sshd],
  });
  const echo = echoServer("127.0.0.1", "e:");
  const fm = new ForwardManager({ pool: env.pool, maxForwards: 4, retryDelayMs: 50 });
  try {
    const f = await fm.open(
      env.resolver.resolveTarget("h"),
      parseForwardSpec(`L:0:127.0.0.1:${echo.port}`),
    );
    await sshd.restart({ newHostKeys: true });
    await until(() => fm.get(f.id).state === "failed", 20_000, "the forward to fail");
    const info = fm.get(f.id);
    assert.match(info.last_error, /host key/i);
    assert.equal(fm.openCount, 0, "a failed forward does not count against the limit");
    await assert.rejects(
      Deno.connect({ hostname: "127.0.0.1", port: f.bind_port }),
      /refused/i,
      "its listener is closed",
    );
    assert.equal(fm.list().length, 1, "still listed until closed");
    await fm.close(f.id);
    assert.equal(fm.list().length, 0);
  } finally {
    await fm.closeAll();
    await echo.close();
  }
});
