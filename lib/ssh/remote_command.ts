/**
 * Delivers a working directory and environment variables to a remote command without relying on
 * sshd's AcceptEnv and without putting the values on the remote command line (where `ps` and
 * /proc/<pid>/cmdline on the remote host would show them). This is the one stdin wrapper of
 * lib/secrets (`envWrapperCommandLine` in `login` mode): the command line carries only the small
 * POSIX-sh reader and the user's command; the values travel at the head of the channel's stdin
 * ({@linkcode encodeEnvBlock}); the reader then execs the login shell with the command, as
 * OpenSSH itself runs it (`$SHELL -c command`). See docs/adr/0010-remote-env-through-stdin.md.
 */
import {
  encodeEnvBlock,
  ENV_WRAPPER_PROTOCOL_EXIT,
  envWrapperCommandLine,
  groupReportPrefix,
  shellQuote,
} from "../secrets/env_wrapper.ts";

export { shellQuote };

/** What {@linkcode wrapRemoteCommand} wraps. */
export interface RemoteCommandInput {
  /** The user's command, run by the remote login shell. */
  command: string;
  /** Remote working directory. */
  cwd?: string;
  /** Variables to export (`null` unsets). */
  env?: Readonly<Record<string, string | null>>;
  /**
   * Printed on stderr with the wrapper's process group id (`<marker> <pgid>`) before it reads
   * stdin; forces wrapping (see remote_exec.ts, which strips the line).
   */
  startMarker?: string;
}

/** The remote command line and the bytes to send on stdin before the caller's own stdin. */
export interface RemoteCommand {
  /** The command line for the exec request. */
  commandLine: string;
  /** Send these first on stdin (empty when nothing needed wrapping). */
  stdinPrefix: Uint8Array;
  /** True when the reader is used (needs /bin/sh and a login shell that parses '…' words). */
  wrapped: boolean;
}

/** The exit status of the reader when the stdin records are malformed or cut short. */
export const WRAPPER_PROTOCOL_EXIT = ENV_WRAPPER_PROTOCOL_EXIT;

function checkText(value: string, what: string): void {
  if (value.includes("\0")) {
    throw new TypeError(`${what}: contains a NUL byte, which a shell cannot hold`);
  }
}

/**
 * Wraps `command` so `cwd` and `env` reach it through stdin. Without cwd, env and a start
 * marker the command is returned unchanged (no POSIX shell needed). TypeError for a bad
 * variable name or a NUL byte.
 */
export function wrapRemoteCommand(input: RemoteCommandInput): RemoteCommand {
  const { command, cwd } = input;
  const hasEnv = Object.keys(input.env ?? {}).length > 0;
  if (cwd === undefined && !hasEnv && input.startMarker === undefined) {
    return { commandLine: command, stdinPrefix: new Uint8Array(0), wrapped: false };
  }
  if (cwd === undefined && !hasEnv) {
    // Only the process group is wanted: report it from the login shell itself.
    checkText(command, "command");
    return {
      commandLine: groupReportPrefix(input.startMarker!) + command,
      stdinPrefix: new Uint8Array(0),
      wrapped: false,
    };
  }
  if (cwd === "") throw new TypeError("cwd: is empty; give a remote directory");
  const stdinPrefix = encodeEnvBlock({ env: input.env, cwd });
  return {
    commandLine: envWrapperCommandLine(command, {
      startMarker: input.startMarker,
      reportGroup: input.startMarker !== undefined,
    }),
    stdinPrefix,
    wrapped: true,
  };
}

/** For a pty: `cd` on the command line (a terminal would echo stdin); env is refused. */
export function ptyCommandLine(command: string, cwd?: string): string {
  if (cwd === undefined) return command;
  checkText(cwd, "cwd");
  return `CDPATH= cd -- ${shellQuote(cwd)} && exec "\${SHELL:-/bin/sh}" -c ${shellQuote(command)}`;
}
