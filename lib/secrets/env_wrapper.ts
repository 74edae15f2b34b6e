/**
 * Environment variables through stdin, for children whose environment the server cannot set
 * directly: a command under `sudo` (which resets the environment) and a command over SSH (where
 * the server's env requests are usually refused). A small POSIX `sh` wrapper reads
 * `NAME=<escaped value>` lines from stdin up to an empty line, exports them, and `exec`s the
 * command, whose stdin then continues with the caller's own input. Values never appear in any
 * argv or `/proc/<pid>/cmdline`: only the wrapper text (no values) and the command do.
 *
 * Values are escaped for a printf format (controls, quote, backslash and `%` as escapes; a
 * leading `-` too), and decoded by the shell's builtin printf inside `$(…)` (a fork of the shell,
 * never an exec), with a trailing sentinel so trailing newlines survive; a shell whose printf is
 * not a builtin is refused (exit 125). `read` in sh takes one byte at a time from a pipe, so
 * nothing after the block is consumed. lib/ssh/remote_command.ts has a second, line-counted reader
 * for ssh_exec's plain `env`; this one also announces the start for sudo (see lib/sudo).
 */
import { printfEscape } from "../sessions/mod.ts";

// Values are decoded only by a builtin printf: a shell without one would exec /usr/bin/printf with
// the value in its argv, so the wrapper refuses to run (exit 125) rather than expose it.
const GUARD = "case $(command -V printf 2>&1) in *builtin*) ;; " +
  "*) echo 'relay-shell: this sh has no builtin printf; refusing to pass variables' >&2; exit 125;; esac; ";
const LOOP = GUARD + 'while IFS= read -r __rs_l && [ -n "$__rs_l" ]; do ' +
  '__rs_v=$(printf "${__rs_l#*=}"; printf x); export "${__rs_l%%=*}=${__rs_v%x}"; done; ' +
  'unset __rs_l __rs_v; exec "$@"';

/** The wrapper script for `sh -c`; with `startMarker`, `$0` is first printed on stderr. */
export function envWrapperScript(options: { announce?: boolean } = {}): string {
  return options.announce ? `printf '%s\\n' "$0" >&2; ${LOOP}` : LOOP;
}

/** Options for {@linkcode envWrapperArgv}. */
export interface EnvWrapperOptions {
  /** Printed on stderr (plus a newline) before the wrapper reads stdin: "the command now starts". */
  startMarker?: string;
  /** The shell that runs the wrapper (default /bin/sh). */
  shell?: string;
}

/** `argv` run behind the wrapper: `sh -c <wrapper> <marker-or-name> argv…`. */
export function envWrapperArgv(argv: readonly string[], options: EnvWrapperOptions = {}): string[] {
  if (argv.length === 0) throw new TypeError("envWrapperArgv: argv is empty");
  const announce = options.startMarker !== undefined;
  return [
    options.shell ?? "/bin/sh",
    "-c",
    envWrapperScript({ announce }),
    announce ? options.startMarker! : "relay-shell-env",
    ...argv,
  ];
}

/** Quotes `s` as one word for a POSIX shell. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * A command line (for a remote login shell) that runs shell text `command` behind the wrapper;
 * its stdin must start with {@linkcode encodeEnvBlock}. For ssh_exec.
 */
export function envWrapperCommandLine(command: string, options: EnvWrapperOptions = {}): string {
  return envWrapperArgv(["/bin/sh", "-c", command], options).map(shellQuote).join(" ");
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The stdin block the wrapper reads: `NAME=<escaped>` lines, then an empty line. */
export function encodeEnvBlock(vars: Readonly<Record<string, string>>): Uint8Array {
  let text = "";
  for (const [name, value] of Object.entries(vars)) {
    if (!ENV_NAME.test(name) || /^__rs_/i.test(name)) {
      throw new TypeError(`encodeEnvBlock: ${JSON.stringify(name)} is not a usable variable name`);
    }
    if (value.includes("\0")) throw new TypeError(`encodeEnvBlock: ${name} holds a NUL byte`);
    text += `${name}=${printfEscape(value)}\n`;
  }
  return new TextEncoder().encode(text + "\n");
}
