/**
 * The local PTY as a session backend: {@linkcode spawnLocalPty} starts a program on a real
 * terminal (lib/pty) and adapts it to {@linkcode SessionBackend}.
 */
import { type PtyProcess, spawnPty } from "../pty/mod.ts";
import type { BackendExit, SessionBackend } from "./backend.ts";

/** Options for {@linkcode spawnLocalPty}. */
export interface LocalPtyOptions {
  /** Working directory. */
  cwd?: string;
  /** The complete environment (TERM included). */
  env: Record<string, string>;
  /** Terminal columns. */
  cols: number;
  /** Terminal rows. */
  rows: number;
  /** Listing title (default: the argv joined). */
  title?: string;
}

const SHELLS = new Set([
  "sh",
  "bash",
  "dash",
  "zsh",
  "ksh",
  "mksh",
  "ash",
  "yash",
  "posh",
  "busybox",
]);

/** True when `program` (a path or name) is a POSIX-style shell that session_exec can drive. */
export function isPosixShell(program: string): boolean {
  return SHELLS.has(program.slice(program.lastIndexOf("/") + 1).replace(/^-/, ""));
}

/** A local PTY session backend. */
export class LocalPtyBackend implements SessionBackend {
  /** Always `local`. */
  readonly kind = "local" as const;
  /** Always true. */
  readonly interactive = true;
  /** The command line. */
  readonly title: string;
  /** Terminal output. */
  readonly output: ReadableStream<Uint8Array>;
  /** Program exit, after the output drained. */
  readonly exited: Promise<BackendExit>;
  #pty: PtyProcess;

  /** Wraps a spawned PTY. */
  constructor(pty: PtyProcess, title: string) {
    this.#pty = pty;
    this.title = title;
    this.output = pty.readable;
    this.exited = pty.exited;
  }

  /** The program's pid (= its process group and session id). */
  get pid(): number {
    return this.#pty.pid;
  }

  /** Writes input. */
  write(data: Uint8Array, signal?: AbortSignal): Promise<void> {
    return this.#pty.write(data, { signal });
  }

  /** Resizes the terminal. */
  resize(cols: number, rows: number): void {
    this.#pty.resize(cols, rows);
  }

  /** True when a job other than the program holds the terminal's foreground. */
  foregroundBusy(): boolean {
    const fg = this.#pty.foregroundGroup();
    return fg !== null && fg > 0 && fg !== this.#pty.pid;
  }

  /** Signals the program's group and the foreground job. */
  signal(signal: Deno.Signal): boolean {
    return this.#pty.signal(signal);
  }

  /** Ends everything in the terminal's session and releases the terminal. */
  async close(graceMs: number): Promise<void> {
    await this.#pty.close(graceMs);
  }
}

/** Starts `argv` on a new local PTY as a session backend (Linux only). */
export function spawnLocalPty(argv: string[], options: LocalPtyOptions): LocalPtyBackend {
  const pty = spawnPty(argv, options);
  return new LocalPtyBackend(pty, options.title ?? argv.join(" "));
}
