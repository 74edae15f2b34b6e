/**
 * The central runner every tool call passes through: identify → validate → classify → admit by
 * policy → redact the arguments → Tier-3 confirmation → work under an AbortSignal → bound and
 * redact the output → one audit line. Nothing thrown inside a tool reaches the transport.
 */
import type { z } from "zod";
import type { AuditEntry } from "../audit/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { PolicyDecision, PolicyRequest } from "../policy/mod.ts";
import { describeTier, type Tier } from "../policy/tier.ts";
import { sha256Hex, utf8Length } from "../util/hash.ts";
import { boundText, mapStrings } from "./bound.ts";
import type { AnyTool, ToolContext, ToolResult } from "./tool.ts";

/** The policy as the runner uses it. */
export interface PolicyEngine {
  /** Classifies and admits one call. */
  evaluate(request: PolicyRequest): PolicyDecision;
}

/** Secret redaction as the runner uses it. */
export interface RedactionEngine {
  /** Patterns and registered values (errors, log lines). */
  redact(text: string): string;
  /** Registered values only (tool output). */
  redactLiterals(text: string): string;
  /** Redacts an arguments object for the audit line. */
  redactArgs(value: unknown, maxLength?: number): unknown;
}

/** The audit sink as the runner uses it. */
export interface AuditSink {
  /** Writes one record; never throws. */
  append(entry: AuditEntry): Promise<void>;
}

/** Tier-3 confirmation as the runner uses it. */
export interface ConfirmationGate {
  /** Mints a token for an operation. */
  plan(op: { tool: string; args: unknown; clientId: string }): { token: string; expiresAt: number };
  /** Burns an armed token matching the operation; true if one did. */
  consume(op: { tool: string; args: unknown; clientId: string }): boolean;
}

/** Everything the runner needs. */
export interface RunnerOptions {
  /** The tools to serve. */
  tools: readonly AnyTool[];
  /** Admission. */
  policy: PolicyEngine;
  /** Redaction. */
  redactor: RedactionEngine;
  /** The audit sink. */
  audit: AuditSink;
  /** Tier-3 confirmation; null when RELAY_SHELL_CONFIRM_TIER3 is off. */
  confirm: ConfirmationGate | null;
  /** Confirmation token lifetime in seconds, for the message. */
  confirmTtlSeconds: number;
  /** Ceiling for any result text (RELAY_SHELL_MAX_OUTPUT_HARD). */
  maxResultBytes: number;
  /** Diagnostics. */
  logger: Logger;
  /** Aborts every call in flight (server shutdown). */
  shutdownSignal?: AbortSignal;
}

/** Per-call facts from the transport. */
export interface CallMeta {
  /** JSON-RPC request id. */
  requestId: string;
  /** Client identity. */
  clientId: string;
  /** Client cancellation. */
  signal?: AbortSignal;
  /** Present when the client asked for progress notifications. */
  progressToken?: string | number;
  /** Sends a notification related to this request. */
  notify?: (notification: { method: string; params: Record<string, unknown> }) => Promise<void>;
}

/** An MCP `tools/call` result. */
export interface CallResult {
  /** Text content. */
  content: { type: "text"; text: string }[];
  /** Machine-readable result. */
  structuredContent?: Record<string, unknown>;
  /** The call failed, was refused, or needs confirmation. */
  isError?: boolean;
  /** Index signature for the SDK's result type. */
  [key: string]: unknown;
}

/** Raised by {@linkcode Runner.call} for a tool name it does not serve (a protocol error). */
export class UnknownToolError extends Error {
  /** The name asked for. */
  readonly tool: string;
  /** Builds the error. */
  constructor(tool: string) {
    super(`Unknown tool: ${tool}`);
    this.name = "UnknownToolError";
    this.tool = tool;
  }
}

function formatIssues(tool: string, issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, 5).map((i) => {
    const path = i.path.length ? i.path.join(".") : "arguments";
    if (i.code === "unrecognized_keys") {
      return `unknown argument${i.keys.length > 1 ? "s" : ""} ${i.keys.join(", ")}`;
    }
    return `${path}: ${i.message.replace(/^Invalid input: /, "")}`;
  });
  return `Invalid arguments for ${tool}: ${parts.join("; ")}. Fix the arguments and call again.`;
}

function errorText(err: unknown): string {
  if (err instanceof TypeError || err instanceof RangeError) {
    return `Invalid argument: ${err.message}`;
  }
  if (err instanceof Error) {
    const msg = err.message.trim() || err.name;
    return err.name && err.name !== "Error" ? `${err.name}: ${msg}` : msg;
  }
  return String(err);
}

/** The central runner. */
export class Runner {
  #tools = new Map<string, AnyTool>();
  #opts: RunnerOptions;

  /** Builds a runner over `options.tools`. */
  constructor(options: RunnerOptions) {
    this.#opts = options;
    for (const t of options.tools) {
      if (this.#tools.has(t.name)) throw new Error(`duplicate tool name ${t.name}`);
      this.#tools.set(t.name, t);
    }
  }

  /** The served tools in registration order. */
  get tools(): readonly AnyTool[] {
    return [...this.#tools.values()];
  }

  /** Whether `name` is served. */
  has(name: string): boolean {
    return this.#tools.has(name);
  }

  /** Runs one tool call end to end; throws only {@linkcode UnknownToolError}. */
  async call(name: string, rawArgs: unknown, meta: CallMeta): Promise<CallResult> {
    const tool = this.#tools.get(name);
    if (!tool) throw new UnknownToolError(name);
    const o = this.#opts;
    const started = performance.now();
    const base = { tool: name, request_id: meta.requestId, client_id: meta.clientId };
    const audit = (e: Omit<AuditEntry, "tool" | "duration_ms">) =>
      o.audit.append({ ...base, ...e, duration_ms: Math.round(performance.now() - started) });

    // Every answer that is an error text: audited with that text's hash, then returned.
    type Refusal =
      & Omit<
        AuditEntry,
        "tool" | "duration_ms" | "output_sha256" | "output_len" | "exit_code" | "denied"
      >
      & { denied?: boolean };
    const refuse = async (text: string, e: Refusal) => {
      await audit({
        denied: false,
        ...e,
        output_sha256: sha256Hex(text),
        output_len: utf8Length(text),
        exit_code: null,
      });
      return errorResult(text);
    };
    // A bad argument: audited with the raw (redacted) arguments, answered with what to fix.
    const invalid = (text: string) =>
      refuse(text, { tier: tool.tier, args: this.#auditArgs(rawArgs), error: "invalid_arguments" });

    // Validate.
    const parsed = tool.input.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const text = o.redactor.redact(formatIssues(name, parsed.error.issues));
      return await invalid(text);
    }
    const args = parsed.data;

    // Classify and admit.
    let decision: PolicyDecision;
    let auditArgs: Record<string, unknown>;
    try {
      const input = tool.policy?.(args) ?? {};
      decision = o.policy.evaluate({
        tool: name,
        baseTier: Math.max(tool.tier, input.minTier ?? 0) as Tier,
        readOnly: tool.readOnly ?? false,
        commands: input.commands ?? [],
        subjects: input.subjects ?? [],
      });
      auditArgs = this.#auditArgs(tool.auditArgs ? tool.auditArgs(args) : args);
    } catch (err) {
      const text = o.redactor.redact(errorText(err));
      return await invalid(text);
    }
    const tier = decision.tier;
    if (!decision.allowed) {
      const text = `[DENIED ${describeTier(tier)}: ${decision.reason}]`;
      return await refuse(text, { tier, denied: true, args: auditArgs, reason: decision.reason });
    }

    // Tier-3 confirmation.
    let action: string | undefined;
    if (o.confirm && tier === 3) {
      const op = { tool: name, args, clientId: meta.clientId };
      if (o.confirm.consume(op)) {
        action = "confirm_execute";
      } else {
        const { token } = o.confirm.plan(op);
        const why = decision.reasons.length ? ` (${decision.reasons.slice(0, 3).join("; ")})` : "";
        const text = `[CONFIRM REQUIRED ${describeTier(tier)}${why}: nothing ran. ` +
          `Call operation_confirm(token="${token}"), then re-issue this exact call within ${o.confirmTtlSeconds}s.]`;
        return await refuse(text, { tier, args: auditArgs, action: "confirm_plan" });
      }
    }

    // Work.
    const signals = [meta.signal, o.shutdownSignal].filter((s): s is AbortSignal => !!s);
    const signal = signals.length ? AbortSignal.any(signals) : new AbortController().signal;
    const ctx = this.#context(meta, signal, name, tier);
    let result: ToolResult<Record<string, unknown>>;
    try {
      result = await tool.run(args, ctx);
    } catch (err) {
      const text = o.redactor.redact(errorText(err));
      if (!(err instanceof TypeError || err instanceof RangeError)) {
        o.logger.warn("tool failed", { tool: name, error: text });
      }
      return await refuse(text, {
        tier,
        args: auditArgs,
        action,
        error: err instanceof Error ? err.name : "Error",
      });
    }

    // Bound and redact the output.
    const bounded = boundText(o.redactor.redactLiterals(result.text), o.maxResultBytes);
    const structured = mapStrings(result.structured, (s) => o.redactor.redactLiterals(s)) as Record<
      string,
      unknown
    >;
    await audit({
      tier,
      denied: false,
      args: auditArgs,
      output_sha256: result.outputSha256 ?? sha256Hex(bounded.text),
      output_len: result.outputBytes ?? utf8Length(bounded.text),
      exit_code: result.exitCode ?? null,
      action,
      extra: result.audit,
    });
    const out: CallResult = { content: [{ type: "text", text: bounded.text }] };
    if (result.isError) out.isError = true;
    else out.structuredContent = structured;
    return out;
  }

  #auditArgs(value: unknown): Record<string, unknown> {
    const v = this.#opts.redactor.redactArgs(value ?? {}, 500);
    return v !== null && typeof v === "object" && !Array.isArray(v)
      ? v as Record<string, unknown>
      : { value: v };
  }

  #context(meta: CallMeta, signal: AbortSignal, tool: string, tier: Tier): ToolContext {
    let last = -Infinity;
    const token = meta.progressToken;
    const notify = meta.notify;
    const log = this.#opts.logger.child({ tool, request_id: meta.requestId });
    return {
      signal,
      requestId: meta.requestId,
      clientId: meta.clientId,
      wantsProgress: token !== undefined && !!notify,
      log,
      tier,
      progress: (progress, total, message) => {
        if (token === undefined || !notify || signal.aborted) return;
        if (!(progress > last)) return; // progress must strictly increase
        last = progress;
        const params: Record<string, unknown> = { progressToken: token, progress };
        if (total !== undefined) params.total = total;
        if (message !== undefined) params.message = this.#opts.redactor.redact(message);
        notify({ method: "notifications/progress", params }).catch((err) =>
          log.debug("progress notification failed", { error: String(err) })
        );
      },
    };
  }
}

function errorResult(text: string): CallResult {
  return { content: [{ type: "text", text }], isError: true };
}
