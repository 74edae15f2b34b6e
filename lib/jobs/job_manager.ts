/**
 * Background jobs: adopts a running process ({@linkcode JobSource}) as a `job-…` session in the
 * shared registry, spools its output under the spool store, writes one `job_end` audit record
 * when it ends, and keeps ended jobs readable from their spools until the retention deletes them
 * (also after the registry reaped the session: `session_recv` then reads the spool alone).
 */
import type { AuditEntry } from "../audit/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type Session, SessionLimitError, type SessionRegistry } from "../sessions/mod.ts";
import { Job, type JobEnd } from "./job.ts";
import type { JobSource } from "./job_source.ts";
import type { Spool } from "./spool.ts";
import { SpoolStore, type SpoolStoreOptions } from "./spool_store.ts";

/** The facts of the call that started a job, for its job_end audit record. */
export interface JobInfo {
  /** The tool that started it (`shell_exec`, `ssh_exec`). */
  tool: string;
  /** The tier the policy gave the call. */
  tier: number;
  /** The call's arguments, already redacted. */
  args: Record<string, unknown>;
  /** JSON-RPC request id of the call. */
  requestId?: string;
  /** Client identity. */
  clientId?: string;
  /** More fields for the job_end record (already safe to log), e.g. the host. */
  extra?: Record<string, unknown>;
}

/** A job as the manager knows it: running, or ended with its spool still on disk. */
export interface JobRecord {
  /** The session id. */
  readonly id: string;
  /** What ran. */
  readonly title: string;
  /** The spool, or null when spooling failed or is off. */
  readonly spool: Spool | null;
  /** Null while running. */
  end: JobEnd | null;
  /** Where a read with no cursor continues (kept here too: the session may be reaped first). */
  readCursor: number;
}

/** The audit sink as jobs use it. */
export interface JobAuditSink {
  /** Writes one record; never throws. */
  append(entry: AuditEntry): Promise<void>;
}

/** Options for {@linkcode JobManager}. */
export interface JobManagerOptions {
  /** The session registry jobs live in. */
  sessions: SessionRegistry;
  /** Spool settings; null turns spooling off (ring buffer only). */
  spool: Omit<SpoolStoreOptions, "onDelete" | "logger"> | null;
  /** Where job_end records go. */
  audit?: JobAuditSink;
  /** Diagnostics. */
  logger?: Logger;
  /** How often the retention sweep runs (default 60000 ms; 0 = call `sweep()` yourself). */
  sweepIntervalMs?: number;
}

/** The job manager; see the module comment. */
export class JobManager {
  #sessions: SessionRegistry;
  #store: SpoolStore | null;
  #audit?: JobAuditSink;
  #logger?: Logger;
  #records = new Map<string, JobRecord>();
  #running = new Map<string, Job>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /** Opens the spool directory (sweeping expired leftovers) and starts the retention timer. */
  constructor(options: JobManagerOptions) {
    this.#sessions = options.sessions;
    this.#audit = options.audit;
    this.#logger = options.logger;
    this.#store = options.spool
      ? SpoolStore.open({
        ...options.spool,
        logger: options.logger,
        onDelete: (id) => {
          if (!this.#running.has(id)) this.#records.delete(id);
        },
      })
      : null;
    const every = options.sweepIntervalMs ?? 60_000;
    if (every > 0 && this.#store) {
      this.#timer = setInterval(() => this.sweep(), every);
      Deno.unrefTimer(this.#timer);
    }
  }

  /** The spool store, or null when spooling is off. */
  get store(): SpoolStore | null {
    return this.#store;
  }

  /** Jobs still running. */
  get running(): number {
    return this.#running.size;
  }

  /** True when the registry has room for one more session. */
  hasRoom(): boolean {
    return !this.#closed && this.#sessions.hasRoom();
  }

  /**
   * Adopts `source` as a new job session and starts spooling it. Throws SessionLimitError when
   * the registry is full (the caller still owns the source then).
   */
  adopt(source: JobSource, facts: JobInfo | (() => JobInfo)): Session {
    if (!this.hasRoom()) throw new SessionLimitError(this.#sessions.maxSessions);
    const info = typeof facts === "function" ? facts() : facts;
    const job = new Job(source, { onEnd: (j, end) => this.#ended(j, end, info) });
    const session = this.#sessions.add(job);
    let spool: Spool | null = null;
    try {
      spool = this.#store?.create(session.id) ?? null;
    } catch (err) {
      this.#logger?.warn("cannot create job spool; keeping the ring buffer only", {
        session: session.id,
        error: (err as Error)?.message ?? String(err),
      });
    }
    this.#records.set(session.id, {
      id: session.id,
      title: source.title,
      spool,
      end: null,
      readCursor: 0,
    });
    this.#running.set(session.id, job);
    job.start(session.id, spool);
    return session;
  }

  /** The job `id`, running or ended with its spool kept; null if unknown or expired. */
  lookup(id: string): JobRecord | null {
    return this.#records.get(id) ?? null;
  }

  async #ended(job: Job, end: JobEnd, info: JobInfo): Promise<void> {
    const rec = this.#records.get(job.id);
    this.#running.delete(job.id);
    if (rec) {
      rec.end = end;
      if (rec.spool && !rec.spool.deleted) this.#store?.ended(job.id);
      else this.#records.delete(job.id);
    }
    const spool = rec?.spool;
    const extra: Record<string, unknown> = {
      session_id: job.id,
      signal: end.signal,
      timed_out: end.timedOut ?? false,
      ...info.extra,
      ...end.extra,
    };
    if (spool) {
      extra.spool_bytes = spool.size;
      if (spool.droppedBytes) extra.spool_dropped_bytes = spool.droppedBytes;
      if (spool.failed) extra.spool_error = spool.failed;
    }
    await this.#audit?.append({
      tool: info.tool,
      tier: info.tier,
      denied: false,
      args: info.args,
      output_sha256: end.outputSha256,
      output_len: end.outputBytes,
      exit_code: end.exitCode,
      duration_ms: end.durationMs,
      request_id: info.requestId,
      client_id: info.clientId,
      action: "job_end",
      extra,
    });
  }

  /** Deletes ended jobs' spools past the retention; returns their ids. */
  sweep(): string[] {
    return this.#store?.sweep() ?? [];
  }

  /** Ends every running job (records written), stops the timer and releases spool files. */
  async close(graceMs = 2000): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await Promise.all([...this.#running.values()].map((j) => j.close(graceMs).catch(() => {})));
    this.#store?.close();
  }
}
