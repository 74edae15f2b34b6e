import assert from "node:assert/strict";
import { type AuthInfo, McpServer } from "@modelcontextprotocol/server";
import { silentLogger } from "../../lib/log/mod.ts";
import { LegacySessions } from "../../lib/mcp/legacy_sessions.ts";
import { ManualClock } from "../../lib/util/mod.ts";

const alice: AuthInfo = { token: "a", clientId: "alice", scopes: [] };
const bob: AuthInfo = { token: "b", clientId: "bob", scopes: [] };

function post(body: unknown, sid?: string): Request {
  return new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(sid ? { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" } : {}),
    },
    body: JSON.stringify(body),
  });
}
const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "t", version: "1" },
  },
};
const ping = { jsonrpc: "2.0", id: 2, method: "ping" };

function table(clock = new ManualClock(), maxSessions = 8) {
  return new LegacySessions({
    factory: () => new McpServer({ name: "t", version: "1" }),
    logger: silentLogger,
    clock,
    maxSessions,
    idleMs: 60_000,
  });
}

async function open(t: LegacySessions, auth?: AuthInfo): Promise<string> {
  const r = await t.fetch(post(initialize), auth);
  assert.equal(r.status, 200);
  await r.body?.cancel();
  const sid = r.headers.get("mcp-session-id");
  assert.ok(sid && sid.length >= 24);
  return sid;
}

Deno.test("LegacySessions opens a session on initialize and serves later requests on it", async () => {
  const t = table();
  const sid = await open(t, alice);
  assert.equal(t.size, 1);
  const r = await t.fetch(post(ping, sid), alice);
  assert.equal(r.status, 200);
  assert.match(await r.text(), /"id":2/);
  await t.close();
});

Deno.test("LegacySessions answers 404 for an unknown session or another principal's session", async () => {
  const t = table();
  const sid = await open(t, alice);
  assert.equal((await t.fetch(post(ping, "nope"), alice)).status, 404);
  assert.equal((await t.fetch(post(ping, sid), bob)).status, 404);
  assert.equal((await t.fetch(post(ping, sid), undefined)).status, 404);
  await t.close();
});

Deno.test("LegacySessions keeps nothing for a non-initialize request without a session", async () => {
  const t = table();
  const r = await t.fetch(post(ping), undefined);
  assert.equal(r.status, 400);
  await r.body?.cancel();
  assert.equal(t.size, 0);
  const g = await t.fetch(new Request("http://127.0.0.1/mcp", { method: "GET" }), undefined);
  assert.equal(g.status, 400);
  await g.body?.cancel();
  await t.close();
});

Deno.test("LegacySessions closes idle sessions on sweep and the oldest when full", async () => {
  const clock = new ManualClock();
  const t = table(clock, 2);
  const a = await open(t);
  clock.advance(10);
  const b = await open(t);
  clock.advance(10);
  const c = await open(t);
  assert.equal(t.size, 2);
  assert.equal(
    (await t.fetch(post(ping, a), undefined)).status,
    404,
    "the least recently used went",
  );
  clock.advance(59_995);
  assert.equal(t.sweep(), 1, "b was idle for more than a minute");
  assert.equal((await t.fetch(post(ping, b), undefined)).status, 404);
  const r = await t.fetch(post(ping, c), undefined);
  assert.equal(r.status, 200);
  await r.body?.cancel();
  await t.close();
  assert.equal(t.size, 0);
});
