/**
 * @module
 * Local pseudo-terminals, the project's only FFI user: {@linkcode spawnPty} starts a program on a
 * real PTY that is its controlling terminal (libc through `Deno.dlopen`, no native addon; Linux
 * only) and returns a {@linkcode PtyProcess} to read, write, resize, signal and close it. Closing
 * ends every process of the terminal's session, so nothing is left behind.
 */
export {
  PtyClosedError,
  type PtyExit,
  PtyProcess,
  type PtySpawnOptions,
  type PtyWriteOptions,
  PtyWriteStalledError,
  spawnPty,
} from "./pty_process.ts";
export { type Member, sessionMembers } from "./_session_members.ts";
