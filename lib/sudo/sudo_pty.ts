/**
 * `session_exec` with sudo: the command runs as `sudo -k -p <marker> -- /bin/sh -c …` inside the
 * session's shell (so cwd carries over; sudo resets the environment). sudo reads the password
 * from the terminal with echo off; the server watches the session's output for the prompt marker
 * and types the password then (only before the start marker, so the command itself cannot ask
 * for it). A second prompt means the password was wrong, and no configured password means none
 * can be given: either way Ctrl-C ends sudo at once instead of leaving it waiting.
 */
import {
  execInShell,
  type Session,
  type ShellExecOptions,
  type ShellExecResult,
} from "../sessions/mod.ts";
import { classifySudoFailure, SudoError } from "./errors.ts";
import { sudoShellLine } from "./sudo_command.ts";
import type { SudoOutcome } from "./sudo_spawner.ts";
import { type SudoMarkers, sudoMarkers, sudoMessages, SudoWatcher } from "./sudo_watch.ts";

/** Options for {@linkcode execInShellWithSudo}. */
export interface SudoShellOptions extends ShellExecOptions {
  /** The password for sudo's prompt; null when none is configured. */
  password: string | null;
  /** Markers (default: fresh random ones). */
  markers?: SudoMarkers;
}

/** The command's result (sudo's prompt and markers removed) and sudo's outcome. */
export interface SudoShellResult extends ShellExecResult {
  /** Whether sudo started the command. */
  sudo: SudoOutcome;
}

const enc = new TextEncoder();

/** Runs `command` under sudo in the shell of `session`; see the module comment. */
export async function execInShellWithSudo(
  session: Session,
  command: string,
  options: SudoShellOptions,
): Promise<SudoShellResult> {
  const password = options.password;
  if (password !== null && [...password].some((c) => c < " " || c === "\x7f")) {
    throw new TypeError(
      "sudo: the configured password holds control characters, which a terminal cannot carry",
    );
  }
  if (command.includes("\0")) throw new TypeError("command: must not contain a NUL byte");
  const markers = options.markers ?? sudoMarkers();
  const watcher = new SudoWatcher(markers);
  let typed = false;
  let interrupted = false;
  const unsubscribe = session.log.subscribe((chunk) => {
    if (watcher.started) return;
    const step = watcher.feed(chunk);
    for (let i = 0; i < step.prompts; i++) {
      if (!typed && password !== null && watcher.prompts === 1) {
        typed = true;
        session.write(enc.encode(`${password}\r`)).catch(() => {});
      } else if (!interrupted) {
        interrupted = true;
        session.write(enc.encode("\x03")).catch(() => {});
      }
    }
  });
  let r: ShellExecResult;
  try {
    r = await execInShell(session, sudoShellLine(command, markers), options);
  } finally {
    unsubscribe();
  }
  const at = r.output.indexOf(markers.start);
  if (at >= 0) {
    const nl = r.output.indexOf("\n", at);
    return { ...r, output: nl < 0 ? "" : r.output.slice(nl + 1), sudo: { started: true } };
  }
  if (watcher.started) return { ...r, sudo: { started: true } }; // marker left the ring
  // Only the text between the call's markers: the watcher also saw the typed line's echo.
  const messages = sudoMessages(r.output, markers);
  const error = new SudoError(classifySudoFailure(messages, watcher.prompts), messages);
  return { ...r, output: "", sudo: { started: false, error } };
}
