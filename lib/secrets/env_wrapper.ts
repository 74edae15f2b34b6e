/**
 * Environment variables and a working directory through stdin: the one mechanism for children
 * whose environment the server cannot set directly, a command under `sudo` (which resets the
 * environment) and a command over SSH (where sshd's AcceptEnv drops most names). A small POSIX
 * `sh` wrapper reads line-counted records from the head of its stdin, applies them, and `exec`s
 * the command, whose stdin then continues with the caller's own bytes, untouched. No value is
 * ever in an argv or `/proc/<pid>/cmdline`: the command line holds only the wrapper (no values)
 * and the command. See docs/adr/0010-remote-env-through-stdin.md and 0014.
 *
 * Stdin layout: `<records>\n`, then per record `<kind> <name> <lines>\n` and the value split at
 * `\n` into that many lines: kind `E` exports, `U` unsets, `C` changes directory. Only builtins
 * touch a value: `read -r` with an empty IFS (which takes one byte at a time from a pipe, so it
 * never consumes what follows the block), assignment, `export`, `unset` and `cd`. No `printf`,
 * no `eval`, no command substitution: a shell whose printf is an external program (mksh, posh,
 * `enable -n printf`) exposes nothing, so there is nothing to refuse. Any byte but NUL survives.
 * A block cut short or malformed exits 125 before the command runs; a bad `cwd` fails like `cd`.
 *
 * With a start marker the wrapper first prints it on stderr, on a line of its own, before it
 * reads anything: under sudo that line says "authenticated; the command starts now", and the
 * server writes the block only then (see lib/sudo). With `reportGroup` the line also carries the
 * wrapper's process group id (`<marker> <pgid>`, read from /proc/self/stat by `read`, else `$$`),
 * so a remote job's whole tree can be signalled with `kill -- -<pgid>` (see ADR 0018).
 */

/** What the wrapper applies before the command runs. */
export interface EnvWrapperInput {
  /** Variables to export (`null` unsets). */
  env?: Readonly<Record<string, string | null>>;
  /** Working directory. */
  cwd?: string;
}

/** Options for {@linkcode envWrapperArgv} and {@linkcode envWrapperCommandLine}. */
export interface EnvWrapperOptions {
  /** Printed on stderr (plus a newline) before the wrapper reads stdin: "the command now starts". */
  startMarker?: string;
  /** The shell that runs the wrapper (default /bin/sh). */
  shell?: string;
  /** Print the process group id after the start marker (`<marker> <pgid>`). */
  reportGroup?: boolean;
}

/** The wrapper's exit status when the stdin block is malformed or cut short. */
export const ENV_WRAPPER_PROTOCOL_EXIT = 125;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Counters are checked to be decimal numbers before `[` or `$((…))` sees them, so a corrupt block
// can never end the loop early and run the command with half of its variables.
const READER = "IFS= read -r __rs_n||exit 125;case $__rs_n in ''|*[!0-9]*)exit 125;;esac;" +
  'while [ "$__rs_n" -gt 0 ];do read -r __rs_t __rs_k __rs_c||exit 125;' +
  "case $__rs_c in ''|*[!0-9]*)exit 125;;esac;__rs_v=;__rs_s=;" +
  'while [ "$__rs_c" -gt 0 ];do IFS= read -r __rs_l||exit 125;__rs_v=$__rs_v$__rs_s$__rs_l;' +
  "__rs_s='\n';__rs_c=$((__rs_c-1));done;" +
  'case $__rs_t in E)export "$__rs_k=$__rs_v"||exit 125;;U)unset "$__rs_k"||exit 125;;' +
  'C)CDPATH= cd -- "$__rs_v"||exit 1;;*)exit 125;;esac;__rs_n=$((__rs_n-1));done;' +
  "unset __rs_n __rs_t __rs_k __rs_c __rs_v __rs_s __rs_l __rs_g __rs_x;";

// The 5th field of /proc/self/stat is the process group (the 2nd, `(sh)`, holds no space).
const GROUP = "{ read -r __rs_x __rs_x __rs_x __rs_x __rs_g __rs_x </proc/self/stat;}" +
  ' 2>/dev/null||__rs_g=$$;echo "$0 $__rs_g" >&2;';

/**
 * Shell text for a POSIX login shell that prints `<marker> <pgid>` on stderr and unsets its
 * helper variables; put it before a command (on a line of its own) when nothing else needs the
 * wrapper, so the command still runs in the login shell itself (one shell start instead of three).
 */
export function groupReportPrefix(marker: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(marker)) {
    throw new TypeError("groupReportPrefix: marker must be a word");
  }
  return GROUP.replace('"$0 $__rs_g"', `"${marker} $__rs_g"`) + "unset __rs_x __rs_g\n";
}

/**
 * The wrapper script for `sh -c`. `argv` mode execs its arguments (`"$@"`); `login` mode runs
 * its first argument with the login shell (`$SHELL -c "$1"`, as sshd runs a command). With
 * `announce`, `$0` (the start marker) is first printed on stderr (`group`: followed by the pgid).
 */
export function envWrapperScript(
  mode: "argv" | "login",
  announce = false,
  group = false,
): string {
  const start = !announce ? "" : group ? GROUP : 'echo "$0" >&2;';
  const run = mode === "argv" ? 'exec "$@"' : 'exec "${SHELL:-/bin/sh}" -c "$1"';
  return start + READER + run;
}

/** `argv` run behind the wrapper: `sh -c <wrapper> <marker-or-name> argv…` (local children). */
export function envWrapperArgv(argv: readonly string[], options: EnvWrapperOptions = {}): string[] {
  if (argv.length === 0) throw new TypeError("envWrapperArgv: argv is empty");
  const announce = options.startMarker !== undefined;
  return [
    options.shell ?? "/bin/sh",
    "-c",
    envWrapperScript("argv", announce, options.reportGroup),
    announce ? options.startMarker! : "relay-shell-env",
    ...argv,
  ];
}

/** Quotes `s` as one word for a POSIX shell (`'…'`, each `'` as `'\''`; plain words as they are). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * A command line for a remote login shell that runs shell text `command` behind the wrapper,
 * with the login shell (`$SHELL -c command`). Its stdin must start with
 * {@linkcode encodeEnvBlock}. The login shell only has to parse quoted words, so the wrapper
 * itself always runs under `/bin/sh`.
 */
export function envWrapperCommandLine(command: string, options: EnvWrapperOptions = {}): string {
  checkText(command, "command");
  const announce = options.startMarker !== undefined;
  return [
    options.shell ?? "/bin/sh",
    "-c",
    envWrapperScript("login", announce, options.reportGroup),
    announce ? options.startMarker! : "relay-shell-env",
    command,
  ].map(shellQuote).join(" ");
}

function checkText(value: string, what: string): void {
  if (value.includes("\0")) {
    throw new TypeError(`${what}: contains a NUL byte, which a shell cannot hold`);
  }
}

/**
 * The stdin block the wrapper reads (exports and unsets in order, then the cd). TypeError for a
 * name that is not a variable name (or starts with `__rs_`, the wrapper's own), a value that is
 * not a string, a NUL byte, or an empty `cwd`.
 */
export function encodeEnvBlock(input: EnvWrapperInput): Uint8Array {
  const records: string[] = [];
  const add = (kind: string, name: string, value: string) => {
    const lines = value.split("\n");
    records.push(`${kind} ${name} ${lines.length}\n${lines.map((l) => `${l}\n`).join("")}`);
  };
  for (const [name, value] of Object.entries(input.env ?? {})) {
    if (!ENV_NAME.test(name)) {
      throw new TypeError(
        `env: ${
          JSON.stringify(name)
        } is not a variable name (letters, digits, _; not starting with a digit)`,
      );
    }
    if (/^__rs_/i.test(name)) {
      throw new TypeError(`env: ${name}: names starting with __RS_ are relay-shell's own`);
    }
    if (value === null) add("U", name, "");
    else {
      if (typeof value !== "string") throw new TypeError(`env: ${name} must be a string or null`);
      checkText(value, `env: ${name}`);
      add("E", name, value);
    }
  }
  if (input.cwd !== undefined) {
    if (input.cwd === "") throw new TypeError("cwd: is empty; give a directory");
    checkText(input.cwd, "cwd");
    add("C", "-", input.cwd);
  }
  return new TextEncoder().encode(`${records.length}\n${records.join("")}`);
}
