/**
 * The forward tools through the real stdio server against a real sshd: -L carries an HTTP
 * request to a server in the test, -R lets the remote side (this machine, through ssh_exec)
 * reach it, -D carries `curl --socks5-hostname`, and all three work again after sshd restarts.
 */
import assert from "node:assert/strict";
import { integrationTest, readAudit, type TestClient, textOf, waitFor } from "../helpers/server.ts";
import { edEntry, startSshStdio } from "../helpers/ssh_server.ts";
import { startSshd } from "../helpers/sshd.ts";

/** An HTTP server on 127.0.0.1 answering with a fixed body. */
function httpServer(body: string) {
  const srv = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(body),
  );
  return { port: srv.addr.port, close: () => srv.shutdown() };
}

async function curl(...args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  const r = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "10", ...args],
    stdout: "piped",
    stderr: "piped",
    // No proxy variables: only the tunnel under test may carry the request.
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
  }).output();
  const d = new TextDecoder();
  return { ok: r.success, out: d.decode(r.stdout), err: d.decode(r.stderr) };
}

async function forward(c: TestClient, spec: string): Promise<Record<string, unknown>> {
  const r = await c.callTool({ name: "ssh_forward", arguments: { host: "web", spec } });
  assert.equal(r.isError, undefined, textOf(r));
  return r.structuredContent as Record<string, unknown>;
}

async function list(c: TestClient): Promise<Record<string, Record<string, unknown>>> {
  const r = await c.callTool({ name: "ssh_forward_list", arguments: {} });
  assert.equal(r.isError, undefined, textOf(r));
  const all = (r.structuredContent as { forwards: Record<string, unknown>[] }).forwards;
  return Object.fromEntries(all.map((f) => [f.id as string, f]));
}

/** curl through each of -L, -D and (on the remote side) -R; asserts the body every time. */
async function checkAll(
  c: TestClient,
  ports: { l: number; d: number; r: number; http: number },
  body: string,
) {
  const viaL = await curl(`http://127.0.0.1:${ports.l}/`);
  assert.equal(viaL.out, body, `-L: ${viaL.err}`);
  const viaD = await curl(
    "--socks5-hostname",
    `127.0.0.1:${ports.d}`,
    `http://localhost:${ports.http}/`,
  );
  assert.equal(viaD.out, body, `-D: ${viaD.err}`);
  const viaR = await c.callTool({
    name: "ssh_exec",
    arguments: { host: "web", command: `curl -sS --max-time 10 http://127.0.0.1:${ports.r}/` },
  });
  assert.equal(viaR.structuredContent?.output, body, `-R: ${textOf(viaR)}`);
}

integrationTest(
  "ssh_forward -L/-D/-R carry HTTP through a real sshd; list counts; close ends it; bad specs refused",
  async () => {
    await using sshd = await startSshd({ agent: false });
    const http = httpServer("hello through the tunnel");
    const srv = await startSshStdio({ web: edEntry(sshd) }, [sshd]);
    try {
      const c = srv.s.client;
      const l = await forward(c, `L:0:127.0.0.1:${http.port}`);
      assert.match(l.id as string, /^fwd-\d+$/);
      assert.equal(l.bind_address, "127.0.0.1");
      const d = await forward(c, "D:0");
      const r = await forward(c, `R:0:127.0.0.1:${http.port}`);
      assert.ok((r.bind_port as number) > 0);
      const ports = {
        l: l.bind_port as number,
        d: d.bind_port as number,
        r: r.bind_port as number,
        http: http.port,
      };
      await checkAll(c, ports, "hello through the tunnel");

      await waitFor(
        async () => {
          const all = await list(c);
          return [l, d, r].every((f) => all[f.id as string].connections === 0);
        },
        10_000,
        "tunnels to close",
      );
      const all = await list(c);
      for (const [f, kind] of [[l, "L"], [d, "D"], [r, "R"]] as const) {
        const info = all[f.id as string];
        assert.equal(info.kind, kind);
        assert.equal(info.state, "active");
        assert.equal(info.host, "web");
        assert.equal(info.bind_port, f.bind_port);
        assert.equal(info.total_connections, 1, `${kind}: ${JSON.stringify(info)}`);
        assert.ok((info.bytes_out as number) > 40, `${kind} request bytes: ${info.bytes_out}`);
        assert.ok((info.bytes_in as number) > 100, `${kind} response bytes: ${info.bytes_in}`);
      }
      assert.equal(all[d.id as string].spec, "D:127.0.0.1:0");

      for (const spec of ["L:8080", "L:99999:h:1", "Q:1:h:2", "L:::1:80:h:1"]) {
        const bad = await c.callTool({
          name: "ssh_forward",
          arguments: { host: "web", spec },
        });
        assert.equal(bad.isError, true, spec);
        assert.match(textOf(bad), /spec/, spec);
      }

      const closed = await c.callTool({ name: "ssh_forward_close", arguments: { id: l.id } });
      assert.equal(closed.isError, undefined, textOf(closed));
      assert.equal((closed.structuredContent?.forward as Record<string, unknown>).state, "closed");
      assert.equal((await curl(`http://127.0.0.1:${ports.l}/`)).ok, false, "listener closed");
      assert.equal((await list(c))[l.id as string], undefined);
      const again = await c.callTool({ name: "ssh_forward_close", arguments: { id: l.id } });
      assert.equal(again.isError, true);
      assert.match(textOf(again), /id: no forward/);

      const exposed = await forward(c, `L:0.0.0.0:0:127.0.0.1:${http.port}`);
      assert.equal(exposed.bind_address, "0.0.0.0");

      const audit = await readAudit(srv.s.state.auditPath);
      const opens = audit.filter((a) => a.tool === "ssh_forward" && !a.error && a.exit_code !== 1);
      const first = opens.find((a) => (a.args as Record<string, unknown>).spec === l.spec)!;
      assert.ok(first, JSON.stringify(opens.map((a) => a.args)));
      assert.equal(first.tier, 2);
      assert.equal((first.args as Record<string, unknown>).hostname, "127.0.0.1");
      const wide = opens.find((a) =>
        ((a.args as Record<string, unknown>).spec as string).startsWith("L:0.0.0.0")
      )!;
      assert.equal(wide.tier, 3, "a listener on every interface is tier 3");
    } finally {
      await srv.close();
      await http.close();
    }
  },
);

integrationTest(
  "ssh_forward -L, -D and -R work again after sshd restarts (R re-binds the same port)",
  async () => {
    await using sshd = await startSshd({ agent: false });
    const http = httpServer("still here");
    const srv = await startSshStdio({ web: edEntry(sshd) }, [sshd]);
    try {
      const c = srv.s.client;
      const l = await forward(c, `L:0:127.0.0.1:${http.port}`);
      const d = await forward(c, "D:0");
      const r = await forward(c, `R:0:127.0.0.1:${http.port}`);
      const ports = {
        l: l.bind_port as number,
        d: d.bind_port as number,
        r: r.bind_port as number,
        http: http.port,
      };
      await checkAll(c, ports, "still here");

      const pid = sshd.pid;
      await sshd.restart();
      assert.notEqual(sshd.pid, pid, "a new sshd");
      await waitFor(
        async () => {
          const all = await list(c);
          return all[r.id as string].state === "reconnecting" ||
            all[r.id as string].last_error !== "";
        },
        10_000,
        "the drop to be noticed",
      );
      await waitFor(
        async () => {
          const all = await list(c);
          return [l, d, r].every((f) => all[f.id as string].state === "active");
        },
        30_000,
        "every forward to be active again",
      );
      const after = await list(c);
      assert.equal(after[r.id as string].bind_port, r.bind_port, "same remote port");
      assert.notEqual(after[r.id as string].last_error, "");
      await checkAll(c, ports, "still here");
      await waitFor(
        async () => {
          const all = await list(c);
          return [l, d, r].every((f) => all[f.id as string].total_connections === 2);
        },
        10_000,
        "both rounds to be counted by every forward",
      );
    } finally {
      await srv.close();
      await http.close();
    }
  },
);
