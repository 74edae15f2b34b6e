import assert from "node:assert/strict";
import { loadConfig } from "../../lib/config/mod.ts";
import { ProcessGroups } from "../../lib/exec/mod.ts";
import { silentLogger } from "../../lib/log/mod.ts";
import { listTools } from "../../lib/mcp/server_factory.ts";
import type { AnyTool, ToolContext } from "../../lib/runner/mod.ts";
import { SessionExitedError, SessionLimitError, SessionRegistry } from "../../lib/sessions/mod.ts";
import type { ToolDeps } from "../../tools/mod.ts";
import { loginShell, sessionTools } from "../../tools/sessions.ts";
import { pidAlive, pidsMatching } from "../helpers/proc.ts";
import { readAudit, startStdio, textOf, waitFor } from "../helpers/server.ts";

function ctx(signal = new AbortController().signal): ToolContext {
  return {
    signal,
    requestId: "1",
    clientId: "test",
    progress: () => {},
    wantsProgress: false,
    log: silentLogger,
  };
}

function setup(maxSessions = 4) {
  const config = loadConfig({ env: { RELAY_SHELL_STATE_DIR: "/tmp/relay-shell-unused" } });
  const sessions = new SessionRegistry({
    maxSessions,
    bufferBytes: config.sessionBufferBytes,
    idleTimeoutMs: 600_000,
    maxLifetimeMs: 0,
    reapIntervalMs: 0,
    closeGraceMs: 500,
  });
  const deps = { config, groups: new ProcessGroups(), sessions, logger: silentLogger } as unknown as
    & ToolDeps
    & {
      sessions: SessionRegistry;
    };
  const tools = new Map(sessionTools(deps).map((t) => [t.name, t as AnyTool]));
  const call = async (
    name: string,
    args: Record<string, unknown>,
    // deno-lint-ignore no-explicit-any
  ): Promise<{ structured: any; text: string }> => {
    const t = tools.get(name)!;
    return await t.run(t.input.parse(args), ctx());
  };
  return { sessions, tools, call };
}

Deno.test("sessionTools() lists seven compact tools", () => {
  const { tools, sessions } = setup();
  const listed = listTools([...tools.values()]);
  assert.deepEqual(listed.map((t) => t.name), [
    "shell_spawn",
    "session_send",
    "session_recv",
    "session_exec",
    "session_resize",
    "session_kill",
    "session_list",
  ]);
  const size = JSON.stringify(listed).length;
  // The fixed envelope (schemas' boilerplate, annotations) is ~290 bytes a tool; keep the rest lean.
  assert.ok(size < 4400, `the sessions tools take ${size} bytes of tools/list`);
  for (const t of listed) assert.ok(t.description.length <= 160, t.name);
  assert.equal(tools.get("session_recv")!.tier, 0);
  assert.equal(tools.get("session_list")!.readOnly, true);
  void sessions.closeAll();
});

Deno.test("shell_spawn, session_send, session_recv, session_exec, session_list, session_kill work together", async () => {
  const { call, sessions } = setup();
  try {
    const spawned = await call("shell_spawn", {
      command: "/bin/bash --norc --noprofile",
      cols: 100,
      rows: 30,
    });
    const id = spawned.structured.session_id as string;
    assert.match(id, /^sh-[0-9a-f]{24}$/);
    const sent = await call("session_send", { session_id: id, data: "echo ready-$((40+2))" });
    assert.equal(sent.structured.bytes, "echo ready-$((40+2))\r".length);
    const r = await call("session_recv", { session_id: id, until: "^ready-42$", timeout: 10 });
    assert.equal(r.structured.matched, true);
    assert.match(r.structured.data, /^ready-42$/m);
    assert.ok(!r.structured.data.includes("\x1b"));
    // Continue after the last read: nothing new yet.
    const again = await call("session_recv", { session_id: id, timeout: 0 });
    assert.equal(again.structured.cursor_start, r.structured.cursor_end);
    // An explicit cursor reads again from there.
    const reread = await call("session_recv", { session_id: id, cursor: 0, timeout: 0 });
    assert.match(reread.structured.data, /ready-42/);
    const ex = await call("session_exec", {
      session_id: id,
      command: "cd /tmp; stty size; (exit 4)",
    });
    assert.deepEqual([ex.structured.output, ex.structured.exit_code], ["30 100\n", 4]);
    assert.equal(ex.text, "[exit 4]\n30 100\n");
    await call("session_resize", { session_id: id, cols: 90, rows: 20 });
    assert.equal(
      (await call("session_exec", { session_id: id, command: "pwd; stty size" })).structured.output,
      "/tmp\n20 90\n",
    );
    const list = await call("session_list", {});
    assert.equal(list.structured.sessions.length, 1);
    assert.deepEqual(
      [
        list.structured.sessions[0].id,
        list.structured.sessions[0].cols,
        list.structured.sessions[0].state,
      ],
      [id, 90, "running"],
    );
    const pid = sessions.get(id).pid!;
    const k = await call("session_kill", { session_id: id });
    assert.match(k.text, new RegExp(`^closed ${id}`));
    assert.equal(pidAlive(pid), false);
    await assert.rejects(() => call("session_recv", { session_id: id }), /session_list/);
  } finally {
    await sessions.closeAll();
  }
});

Deno.test("session_recv clamps its bounds, rejects a bad until and says when output was dropped", async () => {
  const { call, sessions } = setup();
  try {
    const { structured } = await call("shell_spawn", {
      command: "/bin/sh -c 'seq 1 100000; sleep 30'",
    });
    const id = structured.session_id;
    await assert.rejects(
      () => call("session_recv", { session_id: id, until: "(" }),
      (e: Error) => e instanceof TypeError && /^until:/.test(e.message),
    );
    const r = await call("session_recv", {
      session_id: id,
      until: "^100000$",
      timeout: 20,
      max_bytes: 1,
    });
    assert.equal(r.structured.matched, true);
    assert.ok(r.structured.dropped_bytes > 0);
    assert.match(r.text, /^\[dropped \d+ bytes before this output\]/);
    assert.ok(r.structured.cursor_end - r.structured.cursor_start <= 256); // max_bytes clamped up to 256
    const quick = await call("session_recv", {
      session_id: id,
      timeout: -3,
      cursor: r.structured.cursor_end,
    });
    assert.ok(quick.structured.waited_ms < 1000);
    const idle = await call("session_recv", {
      session_id: id,
      idle_ms: 200,
      timeout: 5,
      cursor: 0,
    });
    assert.ok(idle.structured.waited_ms >= 200);
  } finally {
    await sessions.closeAll();
  }
});

Deno.test("session_recv format screen renders the terminal", async () => {
  const { call, sessions } = setup();
  try {
    const { structured } = await call("shell_spawn", {
      command: "/bin/bash --norc --noprofile",
      cols: 40,
      rows: 6,
    });
    const id = structured.session_id;
    await call("session_send", {
      session_id: id,
      data: "clear; printf 'top\\n\\033[31mred\\033[0m\\n'",
    });
    const r = await call("session_recv", {
      session_id: id,
      until: "^red$",
      timeout: 10,
      format: "screen",
    });
    const rows = r.structured.data.split("\n");
    assert.equal(rows[0], "top");
    assert.equal(rows[1], "red");
  } finally {
    await sessions.closeAll();
  }
});

Deno.test("session tools report errors: unknown signal, exited session, empty send, full registry", async () => {
  const { call, sessions } = setup(1);
  try {
    const { structured } = await call("shell_spawn", { command: "true" });
    const id = structured.session_id;
    await assert.rejects(
      () => call("session_kill", { session_id: id, signal: "SIGBOGUS", close: false }),
      TypeError,
    );
    await sessions.get(id).ended;
    await assert.rejects(
      () => call("session_send", { session_id: id, data: "x" }),
      SessionExitedError,
    );
    await assert.rejects(() => call("session_send", { session_id: id }), /nothing to send/);
    await assert.rejects(
      () => call("session_send", { session_id: id, keys: ["hyper-x"] }),
      /unknown key/,
    );
    const done = await call("session_recv", { session_id: id, timeout: 0 });
    assert.equal(done.structured.state, "exited");
    assert.match(done.text, /\[session exited: 0\]$/);
    // The exited session was read to the end: it makes room. A second live one does not fit.
    const two = await call("shell_spawn", { command: "sleep 30" });
    await assert.rejects(() => call("shell_spawn", { command: "sleep 30" }), SessionLimitError);
    assert.equal(sessions.size, 1);
    assert.equal(sessions.list()[0].id, two.structured.session_id);
    await assert.rejects(
      () => call("shell_spawn", { command: "no-such-program-xyz" }),
      /not found in PATH/,
    );
    await assert.rejects(
      () => call("shell_spawn", { command: "true", term: "bad term" }),
      /^TypeError: term/,
    );
  } finally {
    await sessions.closeAll();
  }
});

Deno.test("loginShell() uses an executable $SHELL, else /bin/bash", () => {
  assert.equal(loginShell({ SHELL: "/bin/sh" }), "/bin/sh");
  assert.equal(loginShell({ SHELL: "/nonexistent/shell" }), "/bin/bash");
  assert.equal(loginShell({}), "/bin/bash");
});

// The SDK's StdioClientTransport.close() (@modelcontextprotocol/client 2.4.0) races the child's exit
// against an unref'd 2 s timer it never clears; the sanitizers would flag that timer, not our code.
const sdkLeaksATimer = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "stdio server: sessions through the real runner, policy and audit",
  sdkLeaksATimer,
  async () => {
    const s = await startStdio("v2");
    try {
      const { tools } = await s.client.listTools();
      assert.ok(tools.some((t) => t.name === "session_recv"));
      const spawned = await s.client.callTool({
        name: "shell_spawn",
        arguments: { command: "/bin/bash --norc" },
      });
      assert.equal(spawned.isError, undefined, textOf(spawned));
      const id = spawned.structuredContent?.session_id as string;
      const ex = await s.client.callTool({
        name: "session_exec",
        arguments: { session_id: id, command: "echo via-mcp" },
      });
      assert.equal(textOf(ex), "[exit 0]\nvia-mcp\n");
      const sent = await s.client.callTool({
        name: "session_send",
        arguments: {
          session_id: id,
          data: "export TOKEN=hunter2-not-secret; rm -rf /tmp/relay-shell-none-such",
        },
      });
      assert.equal(sent.isError, undefined, textOf(sent));
      const list = await s.client.callTool({ name: "session_list", arguments: {} });
      assert.match(textOf(list), new RegExp(id));
      const killed = await s.client.callTool({
        name: "session_kill",
        arguments: { session_id: id },
      });
      assert.match(textOf(killed), /^closed /);
      const audit = await readAudit(s.state.auditPath);
      const send = audit.find((a) => a.tool === "session_send")!;
      assert.ok(
        (send.tier as number) >= 2,
        `session_send data is classified like a command (tier ${send.tier})`,
      );
      assert.match(JSON.stringify(send.args), /rm -rf/);
      const recvTier = audit.find((a) => a.tool === "session_list")!.tier;
      assert.equal(recvTier, 0);
    } finally {
      await s.close();
    }
  },
);

Deno.test(
  "stdio server: readonly mode refuses shell_spawn but serves session_list",
  sdkLeaksATimer,
  async () => {
    const s = await startStdio("v2", { RELAY_SHELL_POLICY_MODE: "readonly" });
    try {
      const r = await s.client.callTool({ name: "shell_spawn", arguments: {} });
      assert.equal(r.isError, true);
      assert.match(textOf(r), /DENIED/);
      const l = await s.client.callTool({ name: "session_list", arguments: {} });
      assert.equal(textOf(l), "[no sessions]");
    } finally {
      await s.close();
    }
  },
);

Deno.test(
  "stdio server: shutdown closes every session and its processes",
  sdkLeaksATimer,
  async () => {
    const s = await startStdio("v2");
    const marker = `31${Math.floor(Math.random() * 1e6)}`;
    try {
      const a = await s.client.callTool({
        name: "shell_spawn",
        arguments: { command: `sleep ${marker}` },
      });
      const b = await s.client.callTool({
        name: "shell_spawn",
        arguments: { command: "/bin/bash --norc" },
      });
      const id = b.structuredContent?.session_id as string;
      await s.client.callTool({
        name: "session_exec",
        arguments: { session_id: id, command: `sleep ${marker}1 &` },
      });
      assert.equal(a.isError, undefined, textOf(a));
      await waitFor(() => pidsMatching(`sleep ${marker}`).length === 2, 10_000, "both sleeps");
    } finally {
      await s.close(); // stdin closes: the server shuts down
    }
    await waitFor(() => pidsMatching(`sleep ${marker}`).length === 0, 10_000, "no sleep left");
  },
);
