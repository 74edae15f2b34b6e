/**
 * `session_exec`: one command inside a live POSIX shell session, returning exactly its output
 * and exit code while the shell keeps its cwd, variables and functions (no subshell).
 *
 * The command travels as ONE physical input line:
 * ` printf '%s%s\n' __RS_<nonce> _B; eval "$(printf '<command, escaped>')"; printf '%s%s:%s\n' __RS_<nonce> _E "$?"`.
 * The nonce is random per call and the markers are assembled by printf at run time, so the
 * terminal's echo of the line never contains `__RS_<nonce>_B` or `__RS_<nonce>_E:`; only the
 * shell's own output does. The command is escaped for printf (quotes, backslashes, `%` and every
 * control character as octal), so newlines, heredocs and tabs reach `eval` intact and nothing in
 * it is taken for a terminal control key (Ctrl-C, Tab completion) on the way in.
 */
import { randomHex } from "../util/mod.ts";
import { stripAnsi } from "./ansi.ts";
import { SessionBusyError, SessionExitedError } from "./errors.ts";
import type { Session } from "./session.ts";
import { waitForOutput } from "./wait_for_output.ts";

/** Options for {@linkcode execInShell}. */
export interface ShellExecOptions {
  /** How long to wait for the command to finish; after it the command keeps running. */
  timeoutMs: number;
  /** Bytes of output returned at most (the tail is kept). */
  maxBytes: number;
  /** Ends the wait early (the command keeps running). */
  signal?: AbortSignal;
}

/** The outcome of {@linkcode execInShell}. */
export interface ShellExecResult {
  /** The command's output (ANSI stripped; echo and prompts excluded). */
  output: string;
  /** The command's exit status; the shell's when the command ended the shell; null if unknown. */
  exitCode: number | null;
  /** The command did not finish in time and is still running in the session. */
  timedOut: boolean;
  /** The shell itself exited (e.g. the command was `exit`). */
  sessionExited: boolean;
  /** Output bytes that left the ring buffer before they could be returned. */
  droppedBytes: number;
  /** Bytes of output cut from the front to fit `maxBytes`. */
  cutBytes: number;
  /** Absolute cursor after what this call consumed (the session's read cursor moves there). */
  cursorEnd: number;
}

const enc = new TextEncoder();

/** Escapes `text` for a single-quoted printf format that prints it back verbatim. */
export function printfEscape(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || ch === "'" || (ch === "-" && i === 0)) {
      out += `\\${c.toString(8).padStart(3, "0")}`;
    } else if (ch === "\\") out += "\\\\";
    else if (ch === "%") out += "%%";
    else out += ch;
  }
  return out;
}

/** The input line that runs `command` between markers made with `nonce`. */
export function markedCommandLine(command: string, nonce: string): string {
  const m = `__RS_${nonce}`;
  return ` printf '%s%s\\n' ${m} _B; eval "$(printf '${
    printfEscape(command)
  }')"; printf '%s%s:%s\\n' ${m} _E "$?"`;
}

/** Options for {@linkcode parseMarked}. */
export interface ParseMarkedOptions {
  /** False when the text's start was dropped from the ring (a missing begin marker means "from the start"). */
  startKnown: boolean;
}

/** Splits marked output: the command's output and exit status (null when the end marker is missing). */
export function parseMarked(
  text: string,
  nonce: string,
  options: ParseMarkedOptions,
): { output: string; exitCode: number | null; found: boolean } {
  const { startKnown } = options;
  const m = `__RS_${nonce}`;
  const b = text.indexOf(`${m}_B`);
  let from: number;
  if (b >= 0) {
    const nl = text.indexOf("\n", b);
    from = nl < 0 ? text.length : nl + 1;
  } else from = startKnown ? text.length : 0; // the begin marker left the ring: output starts at the oldest byte
  const e = new RegExp(`${m}_E:(\\d+)`).exec(text.slice(from));
  if (!e) return { output: text.slice(from), exitCode: null, found: false };
  return { output: text.slice(from, from + e.index), exitCode: Number(e[1]), found: true };
}

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder();

/**
 * Runs `command` in the shell of `session` (see the module comment). Throws a TypeError for a
 * session that is not a POSIX shell, SessionExitedError for an exited one, SessionBusyError when
 * another session_exec runs or a foreground program holds the terminal.
 */
export async function execInShell(
  session: Session,
  command: string,
  options: ShellExecOptions,
): Promise<ShellExecResult> {
  if (command.includes("\0")) throw new TypeError("command: must not contain a NUL byte");
  if (!session.posixShell) {
    throw new TypeError(
      `session_id: ${session.id} runs ${
        JSON.stringify(session.title)
      }, not a POSIX shell; session_exec needs bash, sh, zsh or similar (use session_send and session_recv with until instead)`,
    );
  }
  if (session.state === "exited") throw new SessionExitedError(session.id, session.exitCode);
  const release = session.claimExec();
  try {
    // The shell takes the terminal back a moment after a previous command ended (under load,
    // after a Ctrl-C): give it 300 ms before calling the session busy.
    for (let i = 0; i < 15 && session.foregroundBusy(); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (session.foregroundBusy()) {
      throw new SessionBusyError(
        session.id,
        "a program holds the terminal's foreground (an earlier command may still run); finish it with session_send or read it with session_recv",
      );
    }
    const nonce = randomHex(8);
    const log = session.log;
    const start = log.produced;
    await session.write(enc.encode(markedCommandLine(command, nonce) + "\r"), options.signal);
    const end = new RegExp(`__RS_${nonce}_E:\\d+\\n`);
    const wait = await session.reading(() =>
      waitForOutput(log, start, {
        until: end,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
      })
    );
    if (wait.reason === "ended") await session.ended;
    const produced = log.produced;
    const read = log.read(start, Math.max(4, produced - Math.max(start, log.oldest)));
    const parsed = parseMarked(stripAnsi(utf8.decode(read.bytes)), nonce, {
      startKnown: read.droppedBytes === 0,
    });
    let cursorEnd = read.cursorEnd;
    if (parsed.found) {
      const raw = latin1.decode(read.bytes);
      const at = raw.indexOf(`__RS_${nonce}_E:`);
      const nl = raw.indexOf("\n", at);
      if (at >= 0 && nl >= 0) cursorEnd = read.cursorStart + nl + 1;
    }
    session.readCursor = Math.max(session.readCursor, cursorEnd);
    let output = parsed.output;
    let cutBytes = 0;
    const bytes = enc.encode(output);
    if (bytes.length > options.maxBytes) {
      let from = bytes.length - options.maxBytes;
      while (from < bytes.length && (bytes[from] & 0xc0) === 0x80) from++;
      cutBytes = from;
      output = utf8.decode(bytes.subarray(from));
    }
    const sessionExited = !parsed.found && session.isOver();
    return {
      output,
      exitCode: parsed.found ? parsed.exitCode : sessionExited ? session.exitCode : null,
      timedOut: !parsed.found && !sessionExited,
      sessionExited,
      droppedBytes: read.droppedBytes,
      cutBytes,
      cursorEnd,
    };
  } finally {
    release();
  }
}
