import assert from "node:assert/strict";
import { loadConfig } from "../../lib/config/mod.ts";
import { ProcessGroups } from "../../lib/exec/mod.ts";
import { JobManager } from "../../lib/jobs/mod.ts";
import { FakeJobSource, MemoryAuditSink } from "../../lib/jobs/testing.ts";
import { silentLogger } from "../../lib/log/mod.ts";
import { listTools } from "../../lib/mcp/server_factory.ts";
import { Redactor } from "../../lib/redact/mod.ts";
import type { AnyTool, ToolContext } from "../../lib/runner/mod.ts";
import { SecretStore } from "../../lib/secrets/mod.ts";
import { SessionRegistry } from "../../lib/sessions/mod.ts";
import { buildTools, type ToolDeps } from "../../tools/mod.ts";

function ctx(): ToolContext {
  return {
    signal: new AbortController().signal,
    requestId: "1",
    clientId: "test",
    progress: () => {},
    wantsProgress: false,
    log: silentLogger,
  };
}

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "rs-tools-" });
  const config = loadConfig({ env: { RELAY_SHELL_STATE_DIR: dir } });
  const sessions = new SessionRegistry({
    maxSessions: 4,
    bufferBytes: 4096,
    idleTimeoutMs: 600_000,
    maxLifetimeMs: 0,
    reapIntervalMs: 0,
    closeGraceMs: 200,
  });
  const redactor = new Redactor();
  const jobs = new JobManager({
    sessions,
    audit: new MemoryAuditSink(),
    sweepIntervalMs: 0,
    spool: { dir: `${dir}/jobs`, maxBytes: 1 << 20, totalBytes: 4 << 20, retentionMs: 60_000 },
  });
  const secrets = new SecretStore({ redactor });
  const deps = {
    config,
    groups: new ProcessGroups(),
    sessions,
    jobs,
    secrets,
    redactor,
    logger: silentLogger,
  } as unknown as ToolDeps;
  const tools = new Map(buildTools(deps).map((t) => [t.name, t as AnyTool]));
  // deno-lint-ignore no-explicit-any
  const call = async (name: string, args: Record<string, unknown>): Promise<any> => {
    const t = tools.get(name)!;
    return await t.run(t.input.parse(args), ctx());
  };
  return {
    dir,
    tools,
    call,
    sessions,
    jobs,
    secrets,
    async close() {
      await sessions.closeAll();
      await jobs.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const size = (x: unknown) => JSON.stringify(x).length;

Deno.test("the new arguments and the secrets tools: measured tools/list bytes, tiers", async () => {
  const t = await setup();
  try {
    const listed = Object.fromEntries(listTools([...t.tools.values()]).map((x) => [x.name, x]));
    const without = (name: string, props: string[]) => {
      const c = structuredClone(listed[name]);
      for (const p of props) delete (c.inputSchema.properties as Record<string, unknown>)[p];
      return c;
    };
    const args = size(listed.shell_exec) -
      size(without("shell_exec", ["background", "wait", "sudo"])) +
      size(listed.session_exec) - size(without("session_exec", ["sudo"]));
    assert.ok(args <= 150, `background + wait + sudo take ${args} bytes`);
    const secrets = ["secrets_load", "secrets_list", "secrets_clear"].map((n) => size(listed[n]));
    const total = secrets.reduce((a, b) => a + b, 0);
    // The envelope of three tools alone is ~895 bytes; see the report and docs/tools.md.
    assert.ok(total <= 1150, `the secrets tools take ${total} bytes`);
    assert.equal(t.tools.get("secrets_list")!.tier, 0);
    assert.equal(t.tools.get("secrets_load")!.tier, 1);
    assert.equal(t.tools.get("secrets_clear")!.tier, 1);
    const policy = t.tools.get("shell_exec")!.policy!;
    assert.equal(policy({ command: "ls", sudo: true }).minTier, 2);
    assert.deepEqual(policy({ command: "ls", sudo: true }).subjects, ["sudo ls"]);
    assert.equal(policy({ command: "ls" }).minTier, undefined);
    assert.equal(
      t.tools.get("session_exec")!.policy!({ session_id: "x", command: "id", sudo: true }).minTier,
      2,
    );
  } finally {
    await t.close();
  }
});

Deno.test("secrets_load audits the path and scope only; refuses a job or an unknown session scope", async () => {
  const t = await setup();
  try {
    const file = `${t.dir}/a.env`;
    await Deno.writeTextFile(file, "TOKEN=tool-test-token-1\nPORT=80\n");
    const load = t.tools.get("secrets_load")!;
    assert.deepEqual(load.auditArgs!({ path: file }), { path: file, scope: "all" });
    const r = await t.call("secrets_load", { path: file });
    assert.deepEqual(r.structured.names, ["TOKEN"]);
    assert.deepEqual(r.audit, { names: ["TOKEN"], refused: ["PORT"] });
    assert.ok(!r.text.includes("tool-test-token-1"));
    await assert.rejects(
      () => t.call("secrets_load", { path: file, scope: "session:sh-nope" }),
      /Cannot find session sh-nope/,
    );
    const job = t.jobs.adopt(new FakeJobSource(), { tool: "shell_exec", tier: 1, args: {} });
    await assert.rejects(
      () => t.call("secrets_load", { path: file, scope: `session:${job.id}` }),
      /is a job; a running job's environment cannot change/,
    );
    const listed = await t.call("secrets_list", {});
    assert.equal(listed.text, `TOKEN (all) from ${file}`);
    const cleared = await t.call("secrets_clear", { names: ["TOKEN", "NOPE"] });
    assert.deepEqual(cleared.structured.cleared, ["TOKEN"]);
  } finally {
    await t.close();
  }
});

Deno.test("session_recv reads an ended job from its spool after its session was closed", async () => {
  const t = await setup();
  try {
    const src = new FakeJobSource("long job");
    const s = t.jobs.adopt(src, { tool: "shell_exec", tier: 1, args: {} });
    let all = "";
    for (let i = 0; i < 400; i++) {
      all += `line ${i}\n`;
      src.emit(`line ${i}\n`);
    }
    src.exit({ exitCode: 4, signal: null });
    await s.ended;
    const live = await t.call("session_recv", { session_id: s.id, cursor: 0, max_bytes: 300 });
    assert.equal(live.structured.cursor_start, 0, "older than the 4 KiB ring: read from the spool");
    assert.equal(live.structured.dropped_bytes, 0);
    assert.equal(live.structured.data, all.slice(0, 300));
    await t.sessions.kill(s.id, "SIGTERM", true);
    const after = await t.call("session_recv", { session_id: s.id });
    assert.equal(after.structured.cursor_start, 300, "continues after the last read");
    assert.equal(after.structured.state, "exited");
    assert.equal(after.structured.exit_code, 4);
    assert.equal(after.structured.data, all.slice(300));
    assert.match(after.text, /\[session exited: 4\]$/);
  } finally {
    await t.close();
  }
});
