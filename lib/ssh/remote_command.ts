/**
 * Delivers a working directory and environment variables to a remote command without relying on
 * sshd's AcceptEnv and without putting the values on the remote command line (where `ps` and
 * /proc/<pid>/cmdline on the remote host would show them). The command line carries a small
 * POSIX-sh reader; the values travel at the head of the channel's stdin as line-counted records,
 * read with the `read` builtin (which takes exactly one line from a pipe, so the rest of stdin is
 * left for the command). The reader then execs the login shell with the user's command, as
 * OpenSSH itself runs it (`$SHELL -c command`). Only shell builtins touch the values. See
 * docs/adr/0010-remote-env-through-stdin.md.
 *
 * Stdin layout: `<records>\n`, then per record `<kind> <name> <lines>\n` and that many lines
 * (the value split at `\n`): kind `E` exports, `U` unsets, `C` changes directory.
 */

/** What {@linkcode wrapRemoteCommand} wraps. */
export interface RemoteCommandInput {
  /** The user's command, run by the remote login shell. */
  command: string;
  /** Remote working directory. */
  cwd?: string;
  /** Variables to export (`null` unsets). */
  env?: Readonly<Record<string, string | null>>;
}

/** The remote command line and the bytes to send on stdin before the caller's own stdin. */
export interface RemoteCommand {
  /** The command line for the exec request. */
  commandLine: string;
  /** Send these first on stdin (empty when nothing needed wrapping). */
  stdinPrefix: Uint8Array;
  /** True when the reader is used (needs a POSIX login shell: sh, bash, dash, zsh, ksh, ash). */
  wrapped: boolean;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The exit status of the reader when the stdin records are malformed or cut short. */
export const WRAPPER_PROTOCOL_EXIT = 125;

/** Quotes `text` for a POSIX shell: `'…'` with each `'` as `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

const READER = [
  '__rs_r(){ __rs_v=;__rs_i=0;while [ "$__rs_i" -lt "$1" ];do IFS= read -r __rs_l||exit 125;',
  'if [ "$__rs_i" -gt 0 ];then __rs_v="$__rs_v\n$__rs_l";else __rs_v=$__rs_l;fi;',
  "__rs_i=$((__rs_i+1));done;};",
  "IFS= read -r __rs_n||exit 125;",
  'while [ "$__rs_n" -gt 0 ];do read -r __rs_t __rs_k __rs_c||exit 125;__rs_r "$__rs_c";',
  'case $__rs_t in E)export "$__rs_k=$__rs_v"||exit 125;;U)unset "$__rs_k";;',
  'C)CDPATH= cd -- "$__rs_v"||exit 1;;*)exit 125;;esac;__rs_n=$((__rs_n-1));done;',
].join("");

function checkText(value: string, what: string): void {
  if (value.includes("\0")) {
    throw new TypeError(`${what}: contains a NUL byte, which a shell cannot hold`);
  }
}

/**
 * Wraps `command` so `cwd` and `env` reach it through stdin. Without cwd and env the command is
 * returned unchanged (no POSIX shell needed). TypeError for a bad variable name or a NUL byte.
 */
export function wrapRemoteCommand(input: RemoteCommandInput): RemoteCommand {
  const { command, cwd } = input;
  const env = Object.entries(input.env ?? {});
  if (cwd === undefined && env.length === 0) {
    return { commandLine: command, stdinPrefix: new Uint8Array(0), wrapped: false };
  }
  const records: string[] = [];
  const add = (kind: string, name: string, value: string) => {
    const lines = value.split("\n");
    records.push(`${kind} ${name} ${lines.length}\n${lines.map((l) => `${l}\n`).join("")}`);
  };
  for (const [name, value] of env) {
    if (!ENV_NAME.test(name)) {
      throw new TypeError(
        `env: ${
          JSON.stringify(name)
        } is not a variable name (letters, digits, _; not starting with a digit)`,
      );
    }
    if (value === null) add("U", name, "");
    else {
      if (typeof value !== "string") throw new TypeError(`env: ${name} must be a string or null`);
      checkText(value, `env: ${name}`);
      add("E", name, value);
    }
  }
  if (cwd !== undefined) {
    if (cwd === "") throw new TypeError("cwd: is empty; give a remote directory");
    checkText(cwd, "cwd");
    add("C", "-", cwd);
  }
  const prefix = `${records.length}\n${records.join("")}`;
  return {
    commandLine: `${READER}exec "\${SHELL:-/bin/sh}" -c ${shellQuote(command)}`,
    stdinPrefix: new TextEncoder().encode(prefix),
    wrapped: true,
  };
}

/** For a pty: `cd` on the command line (a terminal would echo stdin); env is refused. */
export function ptyCommandLine(command: string, cwd?: string): string {
  if (cwd === undefined) return command;
  checkText(cwd, "cwd");
  return `CDPATH= cd -- ${shellQuote(cwd)} && exec "\${SHELL:-/bin/sh}" -c ${shellQuote(command)}`;
}
