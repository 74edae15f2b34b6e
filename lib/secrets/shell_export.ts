/**
 * Sets variables inside a live shell session (local or SSH PTY) without echoing their values and
 * without any value in an argv. One input line is typed (it holds no value):
 *
 *     stty -echo; printf … _R; <read loop>; stty echo; printf … _E
 *
 * The values are sent only after the shell printed the `_R` marker, that is after `stty -echo`
 * took effect, so the terminal never echoes them; the shell's builtin `read` takes them (no line
 * editor, no history) and builtin `printf` decodes them inside `$(…)` (a fork, never an exec).
 * Each value travels printf-escaped, so no byte of it is a terminal control key, in lines of at
 * most 256 characters (`:<part>`), followed by `=<NAME>`; a `.` line ends the block. Markers are
 * random per call and assembled by printf, so the echo of the typed line never contains them. A
 * shell whose printf is not a builtin (mksh, posh) would exec /usr/bin/printf with a value in its
 * argv: it answers `_N` instead of `_R`, no value is sent, and the call fails.
 */
import {
  printfEscape,
  type Session,
  SessionBusyError,
  SessionExitedError,
  waitForOutput,
} from "../sessions/mod.ts";
import { randomHex } from "../util/mod.ts";

/** Options for {@linkcode exportInShell}. */
export interface ExportInShellOptions {
  /** How long each step may take (default 10000 ms). */
  timeoutMs?: number;
  /** Gives up early. */
  signal?: AbortSignal;
}

/** Setting variables in a session failed (the session stays usable; echo is restored). */
export class ShellExportError extends Error {
  /** The session id. */
  readonly id: string;
  /** Builds the error. */
  constructor(id: string, why: string) {
    super(`Cannot set variables in session ${id}: ${why}`);
    this.name = "ShellExportError";
    this.id = id;
  }
}

const enc = new TextEncoder();
const latin1 = new TextDecoder("latin1");
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function chunks(text: string, size: number): string[] {
  const cps = [...text];
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += size) out.push(cps.slice(i, i + size).join(""));
  return out.length ? out : [""];
}

/** The input lines that carry `vars` to the read loop (ending with the `.` line). */
export function exportLines(vars: Readonly<Record<string, string>>): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (!NAME.test(name) || /^__rs_/i.test(name)) {
      throw new TypeError(`${JSON.stringify(name)} is not a usable variable name`);
    }
    for (const part of chunks(printfEscape(value), 256)) lines.push(`:${part}`);
    lines.push(`=${name}`);
  }
  lines.push(".");
  return lines;
}

/** The one line typed into the shell (no values in it). */
export function exportCommandLine(nonce: string): string {
  const m = `__RS_${nonce}`;
  return ` stty -echo; case $(command -V printf 2>&1) in *builtin*) ` +
    `printf '%s%s\\n' ${m} _R; __rs_v=; while IFS= read -r __rs_l; do ` +
    `case $__rs_l in :*) __rs_v=$__rs_v\${__rs_l#:};; ` +
    `=*) __rs_d=$(printf "$__rs_v"; printf x); export "\${__rs_l#=}=\${__rs_d%x}"; __rs_v=;; ` +
    `*) break;; esac; done; unset __rs_v __rs_l __rs_d;; *) echo ${m}""_N;; esac; ` +
    `stty echo; printf '%s%s\\n' ${m} _E`;
}

/**
 * Exports `vars` in the shell of `session`; see the module comment. Throws TypeError for a
 * session that is not a POSIX shell, SessionExitedError, SessionBusyError, or ShellExportError.
 */
export async function exportInShell(
  session: Session,
  vars: Readonly<Record<string, string>>,
  options: ExportInShellOptions = {},
): Promise<void> {
  if (Object.keys(vars).length === 0) return;
  if (!session.posixShell) {
    throw new TypeError(`session_id: ${session.id} does not run a POSIX shell`);
  }
  if (session.state === "exited") throw new SessionExitedError(session.id, session.exitCode);
  const lines = exportLines(vars); // validates before anything is typed
  const release = session.claimExec();
  const timeoutMs = options.timeoutMs ?? 10_000;
  try {
    if (session.foregroundBusy()) {
      throw new SessionBusyError(session.id, "a program holds the terminal's foreground");
    }
    const nonce = randomHex(8);
    const log = session.log;
    const start = log.produced;
    // Waits for one of `__RS_<nonce><tag>` (`_R|_N`: ready, or no builtin printf); returns the
    // tag seen and the offset after its line, or null on timeout.
    const waitFor = async (tags: string): Promise<{ tag: string; end: number } | null> => {
      const re = new RegExp(`__RS_${nonce}(${tags})\\r?\\n`);
      const w = await session.reading(() =>
        waitForOutput(log, start, { until: re, timeoutMs, signal: options.signal })
      );
      if (w.reason !== "matched") return null;
      const r = log.read(start, Math.max(4, log.produced - start));
      const raw = latin1.decode(r.bytes);
      const m = re.exec(raw);
      if (!m) return { tag: tags, end: log.produced };
      return { tag: m[1], end: r.cursorStart + m.index + m[0].length };
    };
    const restoreEcho = () => session.write(enc.encode("\x03 stty echo\r")).catch(() => {});
    await session.write(enc.encode(exportCommandLine(nonce) + "\r"), options.signal);
    const ready = await waitFor("_R|_N");
    if (ready === null) {
      // Never reached the read loop: interrupt and make sure echo is back on.
      await restoreEcho();
      throw new ShellExportError(session.id, "the shell did not get ready in time");
    }
    if (ready.tag === "_N") {
      const e = await waitFor("_E");
      if (e) session.readCursor = Math.max(session.readCursor, e.end);
      throw new ShellExportError(
        session.id,
        "its shell has no builtin printf, so the values would show in a process list",
      );
    }
    await session.write(enc.encode(lines.map((l) => `${l}\r`).join("")), options.signal);
    const done = await waitFor("_E");
    if (done === null) {
      await restoreEcho();
      throw new ShellExportError(session.id, "the shell did not confirm in time");
    }
    const end = done.end;
    session.readCursor = Math.max(session.readCursor, end);
  } finally {
    release();
  }
}
