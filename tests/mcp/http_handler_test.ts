import assert from "node:assert/strict";
import { McpServer } from "@modelcontextprotocol/server";
import { silentLogger } from "../../lib/log/mod.ts";
import {
  createHttpHandler,
  defaultAllowedHosts,
  defaultAllowedOrigins,
  isLoopbackHost,
  staticBearerAuthenticator,
} from "../../lib/mcp/mod.ts";

const TOKEN = "t0ken-with-enough-length-123456";
const hosts = defaultAllowedHosts("127.0.0.1", 8123, []);
const origins = defaultAllowedOrigins(hosts, ["https://app.example.com"]);
const handler = (auth = false) =>
  createHttpHandler({
    factory: () => new McpServer({ name: "t", version: "1" }),
    allowedHosts: hosts,
    allowedOrigins: origins,
    authenticator: auth ? staticBearerAuthenticator(TOKEN) : undefined,
    logger: silentLogger,
  });

function init(headers: Record<string, string>, path = "/mcp"): Request {
  return new Request(`http://127.0.0.1:8123${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "t", version: "1" },
      },
    }),
  });
}

Deno.test("createHttpHandler() serves a request with an allowed Host and no Origin", async () => {
  const h = handler();
  const r = await h.fetch(init({ host: "127.0.0.1:8123" }));
  assert.equal(r.status, 200);
  assert.match(await r.text(), /"protocolVersion":"2025-11-25"/);
  await h.close();
});

Deno.test("createHttpHandler() answers 403 for a Host outside the allowlist (DNS rebinding)", async () => {
  const h = handler();
  for (const host of ["evil.example:8123", "127.0.0.1:9999", "localhost.evil.com:8123"]) {
    const r = await h.fetch(init({ host }));
    assert.equal(r.status, 403, host);
    assert.match((await r.json()).error.message, /Host header not allowed/);
  }
  await h.close();
});

Deno.test("createHttpHandler() answers 403 for a foreign or opaque Origin and admits listed ones", async () => {
  const h = handler();
  for (const origin of ["https://evil.example", "null", "http://localhost:9999"]) {
    const r = await h.fetch(init({ host: "localhost:8123", origin }));
    assert.equal(r.status, 403, origin);
    await r.body?.cancel();
  }
  for (
    const origin of ["http://localhost:8123", "http://127.0.0.1:8123", "https://app.example.com"]
  ) {
    const r = await h.fetch(init({ host: "localhost:8123", origin }));
    assert.equal(r.status, 200, origin);
    await r.body?.cancel();
  }
  await h.close();
});

Deno.test("createHttpHandler() requires the bearer token when configured (401 otherwise)", async () => {
  const h = handler(true);
  const none = await h.fetch(init({ host: "127.0.0.1:8123" }));
  assert.equal(none.status, 401);
  assert.equal(none.headers.get("www-authenticate"), 'Bearer realm="relay-shell"');
  await none.body?.cancel();
  const wrong = await h.fetch(init({ host: "127.0.0.1:8123", authorization: "Bearer nope" }));
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();
  const ok = await h.fetch(init({ host: "127.0.0.1:8123", authorization: `Bearer ${TOKEN}` }));
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  await h.close();
});

Deno.test("createHttpHandler() answers 404 off the endpoint and serves /healthz", async () => {
  const h = handler(true);
  const r = await h.fetch(init({ host: "127.0.0.1:8123" }, "/other"));
  assert.equal(r.status, 404);
  await r.body?.cancel();
  const health = await h.fetch(
    new Request("http://127.0.0.1:8123/healthz", { headers: { host: "127.0.0.1:8123" } }),
  );
  assert.deepEqual(await health.json(), { status: "ok" });
  await h.close();
});

Deno.test("staticBearerAuthenticator() refuses short tokens", () => {
  assert.throws(() => staticBearerAuthenticator("short"), RangeError);
});

Deno.test("isLoopbackHost() and defaultAllowedHosts() cover the loopback spellings", () => {
  assert.ok(
    isLoopbackHost("127.0.0.1") && isLoopbackHost("::1") && isLoopbackHost("[::1]") &&
      isLoopbackHost("localhost"),
  );
  assert.ok(!isLoopbackHost("10.0.0.1") && !isLoopbackHost("0.0.0.0"));
  assert.deepEqual(defaultAllowedHosts("127.0.0.1", 80, ["proxy.example"]), [
    "localhost:80",
    "127.0.0.1:80",
    "[::1]:80",
    "proxy.example",
  ]);
  assert.deepEqual(defaultAllowedHosts("10.1.2.3", 80, []), ["10.1.2.3:80"]);
});
