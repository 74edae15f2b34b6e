/** Signal names as callers write them (`INT`, `SIGINT`, `sigint`), checked against a fixed table. */

const NAMES: readonly Deno.Signal[] = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
];

/** Every accepted signal name without the `SIG` prefix. */
export const SIGNAL_NAMES: readonly string[] = NAMES.map((n) => n.slice(3));

/** `int`, `INT` or `SIGINT` → `SIGINT`; throws a TypeError naming `argument` for anything else. */
export function parseSignalName(name: string, argument = "signal"): Deno.Signal {
  const up = name.trim().toUpperCase();
  const full = (up.startsWith("SIG") ? up : `SIG${up}`) as Deno.Signal;
  if (!NAMES.includes(full)) {
    throw new TypeError(
      `${argument}: unknown signal ${
        JSON.stringify(name)
      }; use a name such as INT, TERM, HUP or KILL`,
    );
  }
  return full;
}
