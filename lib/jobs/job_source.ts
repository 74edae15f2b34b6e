/**
 * What a job runs on, whatever the transport: output streams, an exit, a signal and a close. A
 * local process group (see run_inline.ts) is one source; an SSH exec channel is another (signal:
 * the channel's signal request; close: signal and close the channel). A source can be adopted in
 * the middle of its run: `prelude` then carries the output produced before the job took over.
 */
import type { BackendExit } from "../sessions/mod.ts";

/** Output produced before a job took its process over, at absolute byte offsets. */
export interface JobPrelude {
  /** The first bytes of the output: absolute [0, head.length). */
  readonly head: Uint8Array;
  /** The newest bytes: absolute [tailStart, tailStart + tail.length). */
  readonly tail: Uint8Array;
  /** Absolute offset of `tail[0]`; greater than `head.length` when the bytes between were not kept. */
  readonly tailStart: number;
}

/** How a source's process ended, with the source's own accounting when it keeps one. */
export interface JobSourceExit extends BackendExit {
  /** The source's own time limit ended it. */
  readonly timedOut?: boolean;
  /** Every output byte the process produced, prelude included (sources with `countsOutput`). */
  readonly outputBytes?: number;
  /** Hex SHA-256 of every output byte (sources with `countsOutput`). */
  readonly outputSha256?: string;
  /** More fields for the job_end audit record (already safe to log). */
  readonly extra?: Record<string, unknown>;
}

/** A running process a job can adopt. */
export interface JobSource {
  /** What runs, for listings. */
  readonly title: string;
  /** The local process (group) id, when it runs on this host. */
  readonly pid?: number;
  /** When the process started (`performance.now()`; default: when the job adopted it). */
  readonly startedAt?: number;
  /** Output produced before adoption (absent: the job sees the output from its first byte). */
  readonly prelude?: JobPrelude;
  /** The output streams, read concurrently and logged in arrival order; each ends at EOF. */
  readonly outputs: readonly ReadableStream<Uint8Array>[];
  /** Resolves once the process has ended (and, for local sources, its output has drained). */
  readonly exited: Promise<JobSourceExit>;
  /**
   * True when `exited` reports `outputBytes` and `outputSha256` over every byte; the job then
   * does not hash. Otherwise the job counts and hashes what it sees (prelude included).
   */
  readonly countsOutput?: boolean;
  /** Delivers a signal to the process and everything it started; false when nothing was reached. */
  signal(signal: Deno.Signal): boolean;
  /** Ends the process and everything it started (TERM, up to `graceMs`, KILL) and releases the transport. */
  close(graceMs: number): Promise<void>;
}
