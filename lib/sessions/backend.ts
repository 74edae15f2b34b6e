/**
 * What the session registry needs from a transport: a byte stream out, bytes in, an exit, and
 * control. A local PTY, an SSH channel with a PTY and a piped background job all fit it.
 */

/** Which transport a session runs on; also its id prefix (`sh-`, `ssh-`, `job-`). */
export type SessionKind = "local" | "ssh" | "job";

/** How a session's program ended. */
export interface BackendExit {
  /** Exit status, or null when it ended by a signal or the status is unknown. */
  exitCode: number | null;
  /** The terminating signal name (e.g. `SIGTERM`), or null. */
  signal: string | null;
}

/** A transport under a session. */
export interface SessionBackend {
  /** The transport. */
  readonly kind: SessionKind;
  /** What runs, for listings (e.g. the command line). */
  readonly title: string;
  /** The SSH host alias it runs on (absent: this host). */
  readonly host?: string;
  /** The local process id of the program, when it runs on this host. */
  readonly pid?: number;
  /** Absolute offset of the first byte of `output` (default 0; a job adopted mid-run starts later). */
  readonly outputStart?: number;
  /** True for a terminal a person could type into; false for a job with piped output. */
  readonly interactive: boolean;
  /** The program's output (PTY: one merged stream); ends when the transport closes. */
  readonly output: ReadableStream<Uint8Array>;
  /** Resolves once the program has ended and its output has drained; at the latest when `close` settles. */
  readonly exited: Promise<BackendExit>;
  /** Sends input; rejects once the program has exited or the transport closed. */
  write(data: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** Changes the terminal size (terminals only). */
  resize?(cols: number, rows: number): void;
  /** True when a foreground job other than the session's own program holds the terminal. */
  foregroundBusy?(): boolean;
  /** Delivers a signal; false when nothing was reached. */
  signal(signal: Deno.Signal): boolean;
  /** Ends the program and everything it started (signal, wait up to `graceMs`, kill) and releases the transport. */
  close(graceMs: number): Promise<void>;
}
