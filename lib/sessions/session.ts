/**
 * One live session: a backend, the output log its output is pumped into, and the bookkeeping the
 * tools and the reaper need (size, activity, the "continue after the last read" cursor, reads in
 * progress, exit status). Transport-neutral: local PTYs, SSH PTYs and jobs all live here.
 */
import type { Clock } from "../util/mod.ts";
import type { BackendExit, SessionBackend, SessionKind } from "./backend.ts";
import { SessionBusyError, SessionExitedError } from "./errors.ts";
import { OutputLog } from "./output_log.ts";
import { ScreenRenderer } from "./screen.ts";
import { within } from "./_time.ts";

/** `running` until the program has ended and its output drained, then `exited`. */
export type SessionState = "running" | "exited";

/** Options for a {@linkcode Session}. */
export interface SessionOptions {
  /** The session id (`sh-…`, `ssh-…`, `job-…`). */
  id: string;
  /** The transport. */
  backend: SessionBackend;
  /** Terminal columns (0 for jobs). */
  cols: number;
  /** Terminal rows (0 for jobs). */
  rows: number;
  /** Ring buffer size. */
  bufferBytes: number;
  /** Time source for creation, activity and reaping. */
  clock: Clock;
  /** True when the program is a POSIX shell (session_exec works). */
  posixShell?: boolean;
}

/** A row of `session_list`. */
export type SessionSummary = {
  id: string;
  kind: SessionKind;
  title: string;
  cols: number;
  rows: number;
  age_s: number;
  idle_s: number;
  produced: number;
  dropped: number;
  state: SessionState;
  exit_code: number | null;
};

/** Copies a backend's output into `log`; with a byte stream, through one reused buffer. */
async function pump(output: ReadableStream<Uint8Array>, log: OutputLog): Promise<void> {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = output.getReader({ mode: "byob" });
  } catch {
    // not a byte stream
  }
  const reader = byob ?? output.getReader();
  try {
    let buf = new Uint8Array(65536);
    for (;;) {
      const { value, done } = byob
        ? await byob.read(buf)
        : await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      if (done || !value) break;
      log.append(value);
      if (byob) buf = new Uint8Array(value.buffer as ArrayBuffer); // the same memory, handed back
    }
  } catch (err) {
    // What arrived is kept; the failure is said where the caller reads.
    log.append(
      new TextEncoder().encode(
        `\r\n[relay-shell: reading the session's output failed: ${
          (err as Error)?.message ?? err
        }]\r\n`,
      ),
    );
  } finally {
    reader.releaseLock();
  }
}

/** A live session; created by the registry. */
export class Session {
  /** Unguessable id. */
  readonly id: string;
  /** Transport kind. */
  readonly kind: SessionKind;
  /** What runs. */
  readonly title: string;
  /** The SSH host alias it runs on (absent: this host). */
  readonly host?: string;
  /** True for terminals. */
  readonly interactive: boolean;
  /** True when session_exec can drive it. */
  readonly posixShell: boolean;
  /** Creation time (clock ms). */
  readonly createdAt: number;
  /** The output. */
  readonly log: OutputLog;
  /** Resolves once the session has exited (state, exit code and signal are set). */
  readonly ended: Promise<void>;
  /** Last time a caller touched it (clock ms). */
  lastActivity: number;
  /** Where a read with no cursor continues. */
  readCursor = 0;
  /** `running` or `exited`. */
  state: SessionState = "running";
  /** Exit status once exited (null: by signal or unknown). */
  exitCode: number | null = null;
  /** Terminating signal once exited. */
  exitSignal: string | null = null;
  /** When it exited (clock ms), or null. */
  exitedAt: number | null = null;

  #backend: SessionBackend;
  #clock: Clock;
  #cols: number;
  #rows: number;
  #reads = 0;
  #execBusy = false;
  #screen: ScreenRenderer | null = null;
  #pump: Promise<void>;
  #closing: Promise<void> | null = null;

  /** Wraps `backend` and starts pumping its output into the log. */
  constructor(options: SessionOptions) {
    const b = options.backend;
    this.id = options.id;
    this.kind = b.kind;
    this.title = b.title;
    this.host = b.host;
    this.interactive = b.interactive;
    this.posixShell = options.posixShell ?? false;
    this.#backend = b;
    this.#clock = options.clock;
    this.#cols = options.cols;
    this.#rows = options.rows;
    this.createdAt = this.lastActivity = options.clock.now();
    const log = new OutputLog(options.bufferBytes, b.outputStart ?? 0);
    this.log = log;
    this.#pump = pump(b.output, log);
    this.ended = b.exited.catch((): BackendExit => ({ exitCode: null, signal: null })).then(
      async (exit) => {
        // Output that is still on its way gets a moment; a straggler holding the terminal does not block the exit.
        await within(this.#pump, 200);
        this.exitCode = exit.exitCode;
        this.exitSignal = exit.signal;
        this.exitedAt = this.#clock.now();
        this.state = "exited";
        log.end();
      },
    );
  }

  /** Terminal columns. */
  get cols(): number {
    return this.#cols;
  }

  /** Terminal rows. */
  get rows(): number {
    return this.#rows;
  }

  /** The program's local pid (null for remote sessions). */
  get pid(): number | null {
    return this.#backend.pid ?? null;
  }

  /** Reads in progress (a session with one is never reaped). */
  get readsInProgress(): number {
    return this.#reads;
  }

  /** True once the program exited or the session is being closed. */
  isOver(): boolean {
    return this.state === "exited" || this.#closing !== null;
  }

  /** Records caller activity now. */
  touch(): void {
    this.lastActivity = this.#clock.now();
  }

  /** Runs `fn` as a read in progress (touching the session before and after). */
  async reading<T>(fn: () => Promise<T>): Promise<T> {
    this.#reads++;
    this.touch();
    try {
      return await fn();
    } finally {
      this.#reads--;
      this.touch();
    }
  }

  /** Sends input; throws SessionExitedError once the program has exited. */
  async write(data: Uint8Array, signal?: AbortSignal): Promise<void> {
    this.touch();
    if (this.isOver()) throw new SessionExitedError(this.id, this.exitCode);
    try {
      await this.#backend.write(data, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      // The program may have exited while we wrote: say so, not the transport's words.
      await within(this.ended, 50);
      if (this.isOver()) throw new SessionExitedError(this.id, this.exitCode, { cause: err });
      throw err;
    }
  }

  /** Changes the terminal size; a TypeError for sessions without a terminal. */
  resize(cols: number, rows: number): void {
    this.touch();
    if (!this.#backend.resize) {
      throw new TypeError(`session_id: ${this.id} has no terminal to resize`);
    }
    if (this.state === "exited") throw new SessionExitedError(this.id, this.exitCode);
    this.#backend.resize(cols, rows);
    this.#cols = cols;
    this.#rows = rows;
    this.#screen?.resize(cols, rows);
  }

  /** Delivers a signal; false when nothing was reached. */
  signal(signal: Deno.Signal): boolean {
    this.touch();
    return this.#backend.signal(signal);
  }

  /** True when a foreground job other than the session's program holds the terminal. */
  foregroundBusy(): boolean {
    return this.#backend.foregroundBusy?.() ?? false;
  }

  /** The session's screen renderer (created on first use). */
  screen(): ScreenRenderer {
    this.#screen ??= new ScreenRenderer(this.log, this.#cols || 80, this.#rows || 24);
    return this.#screen;
  }

  /** Claims the session for one session_exec; throws SessionBusyError if another holds it. */
  claimExec(): () => void {
    if (this.#execBusy) {
      throw new SessionBusyError(
        this.id,
        "another session_exec is running in it; wait for it to finish",
      );
    }
    this.#execBusy = true;
    return () => (this.#execBusy = false);
  }

  /** Ends the program and releases everything (idempotent). */
  close(graceMs: number): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#backend.close(graceMs);
      } finally {
        await this.#pump;
        await this.ended;
        this.#screen?.dispose();
        this.#screen = null;
      }
    })();
    return this.#closing;
  }

  /** The `session_list` row at clock time `now`. */
  summary(now: number): SessionSummary {
    return {
      id: this.id,
      kind: this.kind,
      title: this.title,
      cols: this.#cols,
      rows: this.#rows,
      age_s: Math.max(0, Math.round((now - this.createdAt) / 1000)),
      idle_s: Math.max(0, Math.round((now - this.lastActivity) / 1000)),
      produced: this.log.produced,
      dropped: this.log.dropped,
      state: this.state,
      exit_code: this.exitCode,
    };
  }
}
