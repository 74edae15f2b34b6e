/**
 * @module
 * Interactive sessions, one registry for every transport: local PTYs now, SSH PTYs and background
 * jobs later, each behind the small {@linkcode SessionBackend} interface. Output goes into a ring
 * buffer with absolute byte cursors ({@linkcode OutputLog}); reads wait for output, a pattern or
 * quiet without polling, render as stripped text or as the emulated screen, and never split a
 * UTF-8 character. {@linkcode execInShell} runs one command in a shell session between random
 * markers. The registry enforces the session limit and reaps idle, expired and finished sessions
 * on a timer.
 */
export { escapeEnd, incompleteEscapeStart, stripAnsi } from "./ansi.ts";
export type { BackendExit, SessionBackend, SessionKind } from "./backend.ts";
export {
  SessionBusyError,
  SessionExitedError,
  SessionLimitError,
  SessionNotFoundError,
} from "./errors.ts";
export { KEY_NAMES, keyBytes } from "./keys.ts";
export { isPosixShell, LocalPtyBackend, type LocalPtyOptions, spawnLocalPty } from "./local_pty.ts";
export { type LogRead, type LogReadOptions, OutputLog } from "./output_log.ts";
export {
  type AddSessionOptions,
  type KillResult,
  type ReapReason,
  SessionRegistry,
  type SessionRegistryOptions,
} from "./registry.ts";
export { ScreenRenderer, type ScreenView } from "./screen.ts";
export { Session, type SessionOptions, type SessionState, type SessionSummary } from "./session.ts";
export {
  execInShell,
  markedCommandLine,
  parseMarked,
  type ParseMarkedOptions,
  printfEscape,
  type ShellExecOptions,
  type ShellExecResult,
} from "./shell_exec_marker.ts";
export { parseSignalName, SIGNAL_NAMES } from "./signals.ts";
export {
  compileUntil,
  type OutputMatcher,
  waitForOutput,
  type WaitOptions,
  type WaitReason,
  type WaitResult,
} from "./wait_for_output.ts";
