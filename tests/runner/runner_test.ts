import assert from "node:assert/strict";
import { z } from "zod";
import type { AuditEntry } from "../../lib/audit/mod.ts";
import { memoryLogger } from "../../lib/log/mod.ts";
import type { PolicyDecision, PolicyRequest } from "../../lib/policy/mod.ts";
import {
  type AnyTool,
  defineTool,
  Runner,
  type RunnerOptions,
  UnknownToolError,
} from "../../lib/runner/mod.ts";
import { Tier } from "../../lib/policy/tier.ts";
import { sha256Hex } from "../../lib/util/hash.ts";

/** A policy that classifies "rm -rf" as 3 and "sudo" as 2, and refuses per mode. */
function fakePolicy(mode: "open" | "guarded" | "readonly" = "open", deny?: RegExp) {
  const seen: PolicyRequest[] = [];
  return {
    seen,
    evaluate(r: PolicyRequest): PolicyDecision {
      seen.push(r);
      const text = (r.commands ?? []).join("\n");
      let tier = r.baseTier as number;
      if (!r.readOnly) {
        if (/rm -rf/.test(text)) tier = 3;
        else if (/sudo/.test(text)) tier = Math.max(tier, 2);
      } else tier = 0;
      const probe = `${r.tool} ${[...(r.commands ?? []), ...(r.subjects ?? [])].join("\n")}`;
      const d = (allowed: boolean, reason = ""): PolicyDecision => ({
        allowed,
        tier: tier as Tier,
        reason,
        reasons: tier === 3 ? ["rm -rf (recursive delete)"] : [],
        probe,
      });
      if (deny?.test(probe)) return d(false, "matched RELAY_SHELL_POLICY_DENY");
      if (mode === "readonly" && tier !== 0) return d(false, `readonly mode refuses tier ${tier}`);
      if (mode === "guarded" && tier >= 2) return d(false, `guarded mode refuses tier ${tier}`);
      return d(true);
    },
  };
}

const fakeRedactor = {
  redact: (s: string) => s.replaceAll("hunter2", "[REDACTED]"),
  redactLiterals: (s: string) => s.replaceAll("hunter2", "[REDACTED]"),
  redactArgs: (v: unknown) =>
    JSON.parse(JSON.stringify(v ?? {}).replaceAll("hunter2", "[REDACTED]")),
};

function fakeAudit() {
  const entries: AuditEntry[] = [];
  return { entries, append: (e: AuditEntry) => (entries.push(e), Promise.resolve()) };
}

const echoTool = defineTool({
  name: "echo_cmd",
  title: "Echo",
  description: "test tool",
  toolset: "local",
  input: z.strictObject({
    command: z.string().min(1),
    fail: z.boolean().optional(),
    wait: z.boolean().optional(),
  }),
  output: z.object({ echoed: z.string() }),
  tier: Tier.REVERSIBLE,
  policy: (a) => ({ commands: [a.command] }),
  async run(a, ctx) {
    if (a.fail) throw new Error("disk on fire with hunter2");
    if (a.wait) {
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      return { structured: { echoed: "aborted" }, text: "aborted" };
    }
    ctx.progress(1, 2, "half");
    ctx.progress(1, 2, "again"); // not increasing: dropped
    ctx.progress(2, 2);
    return { structured: { echoed: a.command }, text: `said ${a.command}`, exitCode: 0 };
  },
});

const readTool = defineTool({
  name: "read_it",
  title: "Read",
  description: "read-only tool",
  toolset: "admin",
  input: z.strictObject({ command: z.string().optional() }),
  output: z.object({ ok: z.boolean() }),
  tier: Tier.READ_ONLY,
  readOnly: true,
  policy: (a) => ({ commands: a.command ? [a.command] : [] }),
  run: () => Promise.resolve({ structured: { ok: true }, text: "ok" }),
});

function makeRunner(over: Partial<RunnerOptions> = {}) {
  const audit = fakeAudit();
  const policy = fakePolicy();
  const runner = new Runner({
    tools: [echoTool, readTool] as AnyTool[],
    policy,
    redactor: fakeRedactor,
    audit,
    confirm: null,
    confirmTtlSeconds: 120,
    maxResultBytes: 4096,
    logger: memoryLogger(),
    ...over,
  });
  return { runner, audit, policy };
}

const meta = { requestId: "7", clientId: "client-a" };

Deno.test("Runner.call() runs the tool and writes one audit record with the output hash", async () => {
  const { runner, audit } = makeRunner();
  const r = await runner.call("echo_cmd", { command: "ls" }, meta);
  assert.deepEqual(r.structuredContent, { echoed: "ls" });
  assert.equal(r.content[0].text, "said ls");
  assert.equal(r.isError, undefined);
  assert.equal(audit.entries.length, 1);
  const e = audit.entries[0];
  assert.equal(e.tool, "echo_cmd");
  assert.equal(e.tier, 1);
  assert.equal(e.denied, false);
  assert.deepEqual(e.args, { command: "ls" });
  assert.equal(e.output_sha256, sha256Hex("said ls"));
  assert.equal(e.output_len, 7);
  assert.equal(e.exit_code, 0);
  assert.equal(e.request_id, "7");
  assert.equal(e.client_id, "client-a");
  assert.ok(e.duration_ms >= 0);
});

Deno.test("Runner.call() refuses by policy, audits the refusal with redacted arguments, runs nothing", async () => {
  const { runner, audit } = makeRunner({ policy: fakePolicy("guarded") });
  const r = await runner.call("echo_cmd", { command: "sudo cat /etc/shadow # hunter2" }, meta);
  assert.equal(r.isError, true);
  assert.equal(r.content[0].text, "[DENIED tier 2 (STATEFUL): guarded mode refuses tier 2]");
  assert.equal(audit.entries.length, 1);
  assert.equal(audit.entries[0].denied, true);
  assert.equal(audit.entries[0].tier, 2);
  assert.equal(audit.entries[0].reason, "guarded mode refuses tier 2");
  assert.match(String(audit.entries[0].args.command), /\[REDACTED\]/);
  assert.ok(!JSON.stringify(audit.entries).includes("hunter2"));
});

Deno.test("Runner.call() keeps read-only tools at tier 0 and lets the deny rule refuse them", async () => {
  const { runner, audit } = makeRunner({ policy: fakePolicy("readonly", /^read_it/) });
  const r = await runner.call("read_it", { command: "rm -rf /" }, meta);
  assert.equal(r.isError, true);
  assert.match(
    r.content[0].text,
    /^\[DENIED tier 0 \(READ_ONLY\): matched RELAY_SHELL_POLICY_DENY\]$/,
  );
  assert.equal(audit.entries[0].tier, 0);
});

Deno.test("Runner.call() turns invalid arguments into an error result naming the argument, audited", async () => {
  const { runner, audit } = makeRunner();
  const r = await runner.call("echo_cmd", { command: 5, bogus: true }, meta);
  assert.equal(r.isError, true);
  const text = r.content[0].text;
  assert.match(text, /^Invalid arguments for echo_cmd: /);
  assert.match(text, /command: expected string, received number/);
  assert.match(text, /unknown argument bogus/);
  assert.match(text, /Fix the arguments and call again\.$/);
  assert.equal(audit.entries.length, 1);
  assert.equal(audit.entries[0].error, "invalid_arguments");
});

Deno.test("Runner.call() turns a thrown error into an isError result with the secret redacted", async () => {
  const { runner, audit } = makeRunner();
  const r = await runner.call("echo_cmd", { command: "x", fail: true }, meta);
  assert.equal(r.isError, true);
  assert.equal(r.content[0].text, "disk on fire with [REDACTED]");
  assert.equal(audit.entries[0].error, "Error");
  assert.equal(audit.entries[0].exit_code, null);
});

Deno.test("Runner.call() throws UnknownToolError for a tool it does not serve", async () => {
  const { runner } = makeRunner();
  await assert.rejects(() => runner.call("nope", {}, meta), UnknownToolError);
});

Deno.test("Runner.call() needs confirmation for tier 3, bound to the exact call and client", async () => {
  const plans: unknown[] = [];
  let armed: { tool: string; args: unknown; clientId: string } | undefined;
  const confirm = {
    plan: (op: { tool: string; args: unknown; clientId: string }) => {
      plans.push(op);
      return { token: "tok123", expiresAt: 0 };
    },
    consume: (op: { tool: string; args: unknown; clientId: string }) => {
      if (armed && JSON.stringify(armed) === JSON.stringify(op)) {
        armed = undefined;
        return true;
      }
      return false;
    },
  };
  const { runner, audit } = makeRunner({ confirm });
  const first = await runner.call("echo_cmd", { command: "rm -rf /tmp/x" }, meta);
  assert.equal(first.isError, true);
  assert.match(
    first.content[0].text,
    /^\[CONFIRM REQUIRED tier 3 \(IRREVERSIBLE\) \(rm -rf \(recursive delete\)\): nothing ran\./,
  );
  assert.match(first.content[0].text, /operation_confirm\(token="tok123"\)/);
  assert.equal(audit.entries[0].action, "confirm_plan");
  armed = { tool: "echo_cmd", args: { command: "rm -rf /tmp/x" }, clientId: "client-a" };
  const run = await runner.call("echo_cmd", { command: "rm -rf /tmp/x" }, meta);
  assert.equal(run.isError, undefined);
  assert.equal(audit.entries[1].action, "confirm_execute");
  const again = await runner.call("echo_cmd", { command: "rm -rf /tmp/x" }, meta);
  assert.equal(again.isError, true, "a token is single use");
  assert.equal(plans.length, 2);
  // Tier below 3 never asks.
  const low = await runner.call("echo_cmd", { command: "ls" }, meta);
  assert.equal(low.isError, undefined);
});

Deno.test("Runner.call() sends strictly increasing progress only when the client asked", async () => {
  const { runner } = makeRunner();
  const sent: Record<string, unknown>[] = [];
  await runner.call("echo_cmd", { command: "ls" }, {
    ...meta,
    progressToken: "p1",
    notify: (n) => (sent.push(n.params), Promise.resolve()),
  });
  assert.deepEqual(sent, [
    { progressToken: "p1", progress: 1, total: 2, message: "half" },
    { progressToken: "p1", progress: 2, total: 2 },
  ]);
  const none: unknown[] = [];
  await runner.call("echo_cmd", { command: "ls" }, {
    ...meta,
    notify: (n) => (none.push(n), Promise.resolve()),
  });
  assert.equal(none.length, 0);
});

Deno.test("Runner.call() aborts the work on client cancel and on server shutdown", async () => {
  const shutdown = new AbortController();
  const { runner } = makeRunner({ shutdownSignal: shutdown.signal });
  const ac = new AbortController();
  const p = runner.call("echo_cmd", { command: "x", wait: true }, { ...meta, signal: ac.signal });
  ac.abort();
  assert.equal((await p).structuredContent?.echoed, "aborted");
  const q = runner.call("echo_cmd", { command: "x", wait: true }, meta);
  shutdown.abort();
  assert.equal((await q).structuredContent?.echoed, "aborted");
});

Deno.test("Runner.call() bounds the result text and redacts registered values in output", async () => {
  const big = defineTool({
    name: "big",
    title: "Big",
    description: "big output",
    toolset: "local",
    input: z.strictObject({}),
    output: z.object({ s: z.string() }),
    tier: Tier.READ_ONLY,
    readOnly: true,
    run: () =>
      Promise.resolve({ structured: { s: "hunter2" }, text: "hunter2 " + "é".repeat(5000) }),
  });
  const { runner } = makeRunner({ tools: [big] as AnyTool[], maxResultBytes: 4096 });
  const r = await runner.call("big", {}, meta);
  const text = r.content[0].text;
  assert.ok(new TextEncoder().encode(text).length < 4096 + 100);
  assert.match(text, /\[result cut: \d+ of \d+ bytes not shown\]$/);
  assert.ok(text.startsWith("[REDACTED] "));
  assert.deepEqual(r.structuredContent, { s: "[REDACTED]" });
});
