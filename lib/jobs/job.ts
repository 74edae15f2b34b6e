/**
 * A background job as a session backend (kind `job`): it reads its source's output streams and
 * sends every byte, in arrival order, both to its spool file and to the session's ring buffer,
 * at the same absolute offsets. It takes no input. When the source has ended and its output has
 * drained, the job reports its end once (exit, byte count and SHA-256 of all output) so the
 * manager can write the job_end audit record.
 */
import { createHash, type Hash } from "node:crypto";
import type { BackendExit, SessionBackend } from "../sessions/mod.ts";
import type { JobSource, JobSourceExit } from "./job_source.ts";
import type { Spool } from "./spool.ts";

/** How a job ended, as the manager records it. */
export interface JobEnd extends Omit<JobSourceExit, "outputBytes" | "outputSha256"> {
  /** Every output byte (from the source's accounting, else the job's own count). */
  outputBytes: number;
  /** Hex SHA-256 of every output byte, or null when the job could not see them all. */
  outputSha256: string | null;
  /** Milliseconds from the process's start (else adoption) to the end. */
  durationMs: number;
}

/** Options for a {@linkcode Job}. */
export interface JobOptions {
  /** Called once when the job has ended, before `exited` resolves (writes the audit record). */
  onEnd?: (job: Job, end: JobEnd) => Promise<void>;
  /** How long to keep reading after the source exited, for sources that do not drain (default 2000 ms). */
  drainMs?: number;
}

/** Thrown by {@linkcode Job.write}: jobs take no input. */
export class JobInputError extends Error {
  /** Builds the error. */
  constructor(id: string) {
    super(`Cannot send to ${id}: a background job takes no input (stop it with session_kill)`);
    this.name = "JobInputError";
  }
}

/** A job; see the module comment. Create through the JobManager. */
export class Job implements SessionBackend {
  /** Always `job`. */
  readonly kind = "job" as const;
  /** Always false. */
  readonly interactive = false;
  /** What runs. */
  readonly title: string;
  /** The local process group id, if local. */
  readonly pid?: number;
  /** Output for the session's ring buffer. */
  readonly output: ReadableStream<Uint8Array>;
  /** Absolute offset of the first byte of `output`. */
  readonly outputStart: number;
  /** Resolves once the source ended, the output drained and the end was reported. */
  readonly exited: Promise<BackendExit>;

  #id = "";
  #source: JobSource;
  #o: JobOptions;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #spool: Spool | null = null;
  #hash: Hash | null;
  #bytes = 0;
  #hashComplete = true;
  #started: number;
  #go!: () => void;
  #killed = false;

  /** Wraps `source`; nothing is read until {@linkcode Job.start}. */
  constructor(source: JobSource, options: JobOptions = {}) {
    this.#source = source;
    this.#o = options;
    this.#started = source.startedAt ?? performance.now();
    this.title = source.title;
    this.pid = source.pid;
    const p = source.prelude;
    const gap = p ? p.tailStart > p.head.length : false;
    this.outputStart = p && gap ? p.tailStart : 0;
    this.#hash = source.countsOutput ? null : createHash("sha256");
    this.output = new ReadableStream<Uint8Array>({ start: (c) => void (this.#controller = c) });
    const go = new Promise<void>((r) => (this.#go = r));
    this.exited = go.then(() => this.#run());
  }

  /** The session id, once started. */
  get id(): string {
    return this.#id;
  }

  /** Starts reading: `id` is the session's, `spool` its file (null: ring buffer only). */
  start(id: string, spool: Spool | null): void {
    this.#id = id;
    this.#spool = spool;
    const p = this.#source.prelude;
    if (p && p.tailStart > p.head.length) {
      // A gap: the head is only on disk (the session's log starts at the tail).
      spool?.append(p.head);
      spool?.skipTo(p.tailStart);
      this.#bytes = p.tailStart;
      this.#hashComplete = false;
      this.#append(p.tail);
    } else if (p) {
      this.#append(p.head);
      this.#append(p.tail);
    }
    this.#go();
  }

  #append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#spool?.append(chunk);
    this.#hash?.update(chunk);
    this.#bytes += chunk.length;
    try {
      this.#controller.enqueue(chunk.slice());
    } catch { /* the session stopped reading (closed) */ }
  }

  async #pump(stream: ReadableStream<Uint8Array>, stop: Promise<void>): Promise<void> {
    const reader = stream.getReader();
    let stopped = false;
    stop.then(() => {
      stopped = true;
      reader.cancel().catch(() => {});
    });
    try {
      while (!stopped) {
        const { value, done } = await reader.read();
        if (done || !value) break;
        this.#append(value);
      }
    } catch {
      /* the transport broke: what arrived is kept */
    } finally {
      reader.releaseLock();
    }
  }

  async #run(): Promise<BackendExit> {
    let stopReading!: () => void;
    const stop = new Promise<void>((r) => (stopReading = r));
    const pumps = Promise.all(this.#source.outputs.map((s) => this.#pump(s, stop)));
    const exit: JobSourceExit = await this.#source.exited.catch((): JobSourceExit => ({
      exitCode: null,
      signal: null,
    }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      pumps,
      new Promise((r) => (timer = setTimeout(r, this.#o.drainMs ?? 2000))),
    ]);
    clearTimeout(timer);
    stopReading();
    await pumps;
    try {
      this.#controller.close();
    } catch { /* already closed */ }
    const counted = exit.outputBytes !== undefined && exit.outputSha256 !== undefined;
    const end: JobEnd = {
      ...exit,
      extra: this.#killed ? { ...exit.extra, killed: true } : exit.extra,
      outputBytes: counted ? exit.outputBytes! : this.#bytes,
      outputSha256: counted
        ? exit.outputSha256!
        : this.#hash && this.#hashComplete
        ? this.#hash.digest("hex")
        : null,
      durationMs: Math.round(performance.now() - this.#started),
    };
    await this.#o.onEnd?.(this, end).catch(() => {});
    return { exitCode: exit.exitCode, signal: exit.signal };
  }

  /** Always rejects: jobs take no input. */
  write(): Promise<void> {
    return Promise.reject(new JobInputError(this.#id || "this job"));
  }

  /** Signals the process and everything it started. */
  signal(signal: Deno.Signal): boolean {
    if (["SIGTERM", "SIGKILL", "SIGINT", "SIGHUP", "SIGQUIT"].includes(signal)) this.#killed = true;
    return this.#source.signal(signal);
  }

  /** Ends the process and everything it started; resolves once the end was reported. */
  async close(graceMs: number): Promise<void> {
    this.#go(); // never started (adoption failed): end without a spool
    this.#killed = true;
    await this.#source.close(graceMs);
    await this.exited;
  }
}
