/**
 * @module
 * Local processes: the only `Deno.Command` user. Commands run in their own session and process
 * group with stdin from /dev/null unless given, a non-interactive environment, output bounded
 * while streaming (head + tail) with every byte counted and hashed, and TERM-then-KILL of the
 * whole group on timeout, cancel or shutdown.
 */
export {
  BoundedCollector,
  type CollectedText,
  utf8HeadBoundary,
  utf8TailBoundary,
} from "./collector.ts";
export {
  BASE_DEFAULTS,
  buildChildEnv,
  type ChildEnvOptions,
  isServerPrivate,
  NON_INTERACTIVE,
  validateEnvOverlay,
  withholdFromChildren,
} from "./env.ts";
export { groupAlive, liveProcessGroups, ProcessGroups, signalGroup } from "./process_groups.ts";
export { parseStat, type ProcessEntry, processTable } from "./process_table.ts";
export {
  checkCwd,
  type CommandSpec,
  type ExecResult,
  resolveProgram,
  runCommand,
  type RunCommandOptions,
  type StreamOutput,
} from "./run_command.ts";
export { spawnDeno, type SpawnedProcess, type Spawner, type SpawnOptions } from "./spawner.ts";
export { splitWords } from "./split_words.ts";
