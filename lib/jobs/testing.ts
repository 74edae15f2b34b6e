/**
 * Test doubles for jobs (production code never imports this file): a job source whose output
 * and exit the test controls, and an audit sink that keeps records in memory.
 */
import type { AuditEntry } from "../audit/mod.ts";
import type { JobAuditSink } from "./job_manager.ts";
import type { JobPrelude, JobSource, JobSourceExit } from "./job_source.ts";

/** A scripted {@linkcode JobSource} with one output stream. */
export class FakeJobSource implements JobSource {
  /** Title. */
  readonly title: string;
  /** Prelude, if any. */
  readonly prelude?: JobPrelude;
  /** One output stream. */
  readonly outputs: ReadableStream<Uint8Array>[];
  /** Resolves on `exit`. */
  readonly exited: Promise<JobSourceExit>;
  /** Signals delivered. */
  readonly signals: Deno.Signal[] = [];
  /** Close calls. */
  closes = 0;
  #c!: ReadableStreamDefaultController<Uint8Array>;
  #exit!: (e: JobSourceExit) => void;
  #done = false;

  /** A running fake. */
  constructor(title = "fake job", prelude?: JobPrelude) {
    this.title = title;
    this.prelude = prelude;
    this.outputs = [new ReadableStream({ start: (c) => void (this.#c = c) })];
    this.exited = new Promise((r) => (this.#exit = r));
  }

  /** Emits output. */
  emit(data: string | Uint8Array): void {
    this.#c.enqueue(typeof data === "string" ? new TextEncoder().encode(data) : data);
  }

  /** Ends output and the process. */
  exit(exit: JobSourceExit = { exitCode: 0, signal: null }): void {
    if (this.#done) return;
    this.#done = true;
    this.#c.close();
    this.#exit(exit);
  }

  /** Records the signal; TERM and KILL end the fake. */
  signal(signal: Deno.Signal): boolean {
    if (this.#done) return false;
    this.signals.push(signal);
    if (signal === "SIGTERM" || signal === "SIGKILL") this.exit({ exitCode: null, signal });
    return true;
  }

  /** Ends the fake. */
  close(): Promise<void> {
    this.closes++;
    this.exit({ exitCode: null, signal: "SIGTERM" });
    return Promise.resolve();
  }
}

/** An audit sink that keeps what it is given. */
export class MemoryAuditSink implements JobAuditSink {
  /** The records, in order. */
  readonly entries: AuditEntry[] = [];
  /** Keeps the record. */
  append(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
    return Promise.resolve();
  }
}
