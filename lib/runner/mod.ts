/**
 * @module
 * The central runner every tool call passes through (validate, classify, admit, redact,
 * confirm, run under an AbortSignal, bound, audit), the tool definition types, and the clamping
 * and bounding helpers tools share.
 */
export { boundText, clampInt, mapStrings } from "./bound.ts";
export {
  type AuditSink,
  type CallMeta,
  type CallResult,
  type ConfirmationGate,
  type PolicyEngine,
  type RedactionEngine,
  Runner,
  type RunnerOptions,
  UnknownToolError,
} from "./runner.ts";
export {
  type AnyTool,
  defineTool,
  type PolicyInput,
  type ToolContext,
  type ToolDefinition,
  type ToolHints,
  type ToolResult,
} from "./tool.ts";
