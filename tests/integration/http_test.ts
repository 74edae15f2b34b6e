/** The real server over Streamable HTTP: both client lines and eras, the gates, conformance. */
import assert from "node:assert/strict";
import {
  type ClientKind,
  integrationTest,
  makeState,
  ROOT,
  startHttp,
  textOf,
} from "../helpers/server.ts";

const TOKEN = "relay-shell-test-token-0123456789abcdef";

for (const kind of ["v2", "v1", "v2-modern"] as ClientKind[]) {
  integrationTest(`http server answers a ${kind} client with a bearer token`, async () => {
    const dir = await Deno.makeTempDir();
    const tokenFile = `${dir}/token`;
    await Deno.writeTextFile(tokenFile, TOKEN + "\n", { mode: 0o600 });
    const s = await startHttp({ RELAY_SHELL_HTTP_TOKEN_FILE: tokenFile });
    try {
      const c = await s.connect(kind, TOKEN);
      const { tools } = await c.listTools();
      assert.ok(tools.some((t) => t.name === "shell_exec"));
      const r = await c.callTool({ name: "shell_exec", arguments: { command: "echo over-http" } });
      assert.equal(textOf(r), "[exit 0]\nover-http\n");
      const info = await c.callTool({ name: "server_info", arguments: {} });
      assert.equal(info.structuredContent?.transport, "http");
    } finally {
      await s.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

function initBody(): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-11-25",
      capabilities: {},
      clientInfo: { name: "raw", version: "1" },
    },
  });
}

/** Raw HTTP/1.1 over TCP, so the Host header is exactly what we write. */
async function rawPost(port: number, headers: Record<string, string>): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const body = initBody();
  const head = [
    "POST /mcp HTTP/1.1",
    ...Object.entries({
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "content-length": String(new TextEncoder().encode(body).length),
      connection: "close",
      ...headers,
    }).map(([k, v]) => `${k}: ${v}`),
  ].join("\r\n");
  await conn.write(new TextEncoder().encode(`${head}\r\n\r\n${body}`));
  const buf = new Uint8Array(4096);
  const n = await conn.read(buf);
  conn.close();
  return Number(/^HTTP\/1\.1 (\d+)/.exec(new TextDecoder().decode(buf.subarray(0, n ?? 0)))?.[1]);
}

integrationTest(
  "http server rejects a bad Host (403), a bad Origin (403) and a missing token (401)",
  async () => {
    const dir = await Deno.makeTempDir();
    const tokenFile = `${dir}/token`;
    await Deno.writeTextFile(tokenFile, TOKEN, { mode: 0o600 });
    const s = await startHttp({ RELAY_SHELL_HTTP_TOKEN_FILE: tokenFile });
    try {
      const auth = { authorization: `Bearer ${TOKEN}` };
      assert.equal(await rawPost(s.port, { host: `127.0.0.1:${s.port}`, ...auth }), 200);
      assert.equal(await rawPost(s.port, { host: `attacker.example:${s.port}`, ...auth }), 403);
      assert.equal(
        await rawPost(s.port, {
          host: `127.0.0.1:${s.port}`,
          origin: "https://attacker.example",
          ...auth,
        }),
        403,
      );
      assert.equal(
        await rawPost(s.port, {
          host: `127.0.0.1:${s.port}`,
          origin: `http://localhost:${s.port}`,
          ...auth,
        }),
        200,
      );
      assert.equal(await rawPost(s.port, { host: `127.0.0.1:${s.port}` }), 401);
      assert.equal(
        await rawPost(s.port, { host: `127.0.0.1:${s.port}`, authorization: "Bearer wrong-token" }),
        401,
      );
      assert.ok(!s.stderr().includes(TOKEN), "the token never reaches the log");
    } finally {
      await s.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

integrationTest(
  "http server refuses to bind a non-loopback address without authentication",
  async () => {
    const state = await makeState({
      RELAY_SHELL_TRANSPORT: "http",
      RELAY_SHELL_HTTP_HOST: "0.0.0.0",
      RELAY_SHELL_HTTP_PORT: "0",
    });
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-P=relay-shell", "--no-prompt", "main.ts"],
        cwd: ROOT,
        env: state.env,
        clearEnv: true,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 2);
      assert.match(
        new TextDecoder().decode(out.stderr),
        /RELAY_SHELL_HTTP_HOST: refusing to bind non-loopback address 0\.0\.0\.0 without authentication/,
      );
    } finally {
      await state.cleanup();
    }
  },
);

integrationTest(
  "http server passes the MCP conformance scenarios that apply to a tools server",
  async () => {
    const s = await startHttp();
    try {
      // The other server scenarios need the suite's own test tools (test_simple_text, …) or
      // capabilities relay-shell does not offer (logging/setLevel, completions).
      for (
        const scenario of [
          "server-initialize",
          "ping",
          "tools-list",
          "resources-list",
          "prompts-list",
          "dns-rebinding-protection",
        ]
      ) {
        const out = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "npm:@modelcontextprotocol/conformance@0.1.16",
            "server",
            "--url",
            s.url,
            "--scenario",
            scenario,
          ],
          cwd: ROOT,
          env: { ...Deno.env.toObject(), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
        const m = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(text);
        assert.ok(m, `${scenario}: no result line\n${text}`);
        assert.equal(m[3], "0", `${scenario} failed:\n${text}`);
        assert.ok(Number(m[1]) >= 1, `${scenario} ran no check:\n${text}`);
      }
    } finally {
      await s.close();
    }
  },
);
