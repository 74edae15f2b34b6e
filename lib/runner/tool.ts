/**
 * What a tool is, as the runner sees it: schemas, a base tier, what the policy should see, what
 * the audit line should hold, and the work itself. Tools never talk to the transport; they return
 * data and the runner turns it into an MCP result.
 */
import type { z } from "zod";
import type { Toolset } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Tier } from "../policy/tier.ts";

/** Per-call facilities handed to a tool's `run`. */
export interface ToolContext {
  /** Fires on client cancellation or server shutdown. */
  readonly signal: AbortSignal;
  /** The JSON-RPC request id ("" if unknown). */
  readonly requestId: string;
  /** Who is calling (client name/version or authenticated principal). */
  readonly clientId: string;
  /** Sends a progress notification when the client asked for them; otherwise does nothing. */
  readonly progress: (progress: number, total?: number, message?: string) => void;
  /** True when the client sent a progress token. */
  readonly wantsProgress: boolean;
  /** A logger bound to this call. */
  readonly log: Logger;
  /** The tier the policy gave this call (set by the runner; for records a tool writes later). */
  readonly tier?: Tier;
}

/** A tool's outcome, before the runner bounds, redacts and audits it. */
export interface ToolResult<O = Record<string, unknown>> {
  /** Machine-readable result (`structuredContent`); must match the output schema. */
  structured: O;
  /** The concise text content. */
  text: string;
  /** A domain failure the model should see as an error (e.g. the program could not start). */
  isError?: boolean;
  /** For the audit line: the process exit code, or null. */
  exitCode?: number | null;
  /** For the audit line: SHA-256 of all output bytes (default: of `text`). */
  outputSha256?: string;
  /** For the audit line: bytes of output produced (default: bytes of `text`). */
  outputBytes?: number;
  /** More fields for the audit line (already safe to log). */
  audit?: Record<string, unknown>;
}

/** What the policy sees of a call. */
export interface PolicyInput {
  /** Shell text classified shell-aware (command, script, stdin, keystrokes). */
  commands?: string[];
  /** Text only the deny/allow rules see (hosts, paths, env names, synthetic phrases). */
  subjects?: string[];
  /** Raises the tier for this call (e.g. sudo: true). */
  minTier?: Tier;
}

/** Hints for MCP tool annotations beyond what the tier implies. */
export interface ToolHints {
  /** Talks to hosts other than this one (default false). */
  openWorld?: boolean;
  /** Can destroy or change state even at a low base tier (exec-like tools). */
  destructive?: boolean;
  /** Calling twice with the same arguments has no further effect. */
  idempotent?: boolean;
}

/** A tool definition. `I` is the zod input object, `O` the zod output schema. */
export interface ToolDefinition<
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
> {
  /** snake_case name with its group prefix (`shell_exec`). */
  name: string;
  /** Short human title. */
  title: string;
  /** One short paragraph: what it does and when to use it. */
  description: string;
  /** The tool group it belongs to (RELAY_SHELL_TOOLSETS). */
  toolset: Toolset;
  /** Input schema (validation is lenient where the runner clamps; bounds live in `.meta()`). */
  input: I;
  /** Output schema of `structuredContent`. */
  output: O;
  /** The tier of the tool itself; commands it runs can raise it. */
  tier: Tier;
  /** Tier-0 tools: never raised by text, refused by nothing but the deny rule. */
  readOnly?: boolean;
  /** Annotation hints. */
  hints?: ToolHints;
  /** What the policy sees (default: nothing beyond the tool name). */
  policy?: (args: z.output<I>) => PolicyInput;
  /** The arguments recorded in the audit line before redaction (default: the parsed arguments). */
  auditArgs?: (args: z.output<I>) => Record<string, unknown>;
  /** Does the work. Throw TypeError/RangeError for bad arguments; anything else is an error too. */
  run(args: z.output<I>, ctx: ToolContext): Promise<ToolResult<z.output<O>>>;
}

/** Identity helper that keeps the input/output types of a definition. */
export function defineTool<I extends z.ZodType, O extends z.ZodType>(
  def: ToolDefinition<I, O>,
): ToolDefinition<I, O> {
  return def;
}

/** A definition with its type parameters erased, for registries. */
// deno-lint-ignore no-explicit-any
export type AnyTool = ToolDefinition<any, any>;
