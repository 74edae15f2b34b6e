/**
 * The audit sink: one JSON line per record appended to a 0600 O_APPEND file, optionally
 * hash-chained, written in call order through one internal queue (one write per line, no fsync,
 * cached handle). Rotation (rename + create, or copytruncate) is detected before every write.
 *
 * The sink never breaks a tool call. When the file cannot be opened or written, the sink turns
 * degraded: `status()` says so and why, and every record goes to the stderr writer as
 * `AUDIT <line>` instead, still carrying `seq`/`prev`/`chain`, so the chain keeps advancing and
 * the file shows an honest gap that `verifyAuditFile` reports. Reopening is retried lazily, on
 * the first append after a backoff (1 s, doubling to 60 s, reset by success); an idle server
 * does no retry work and no timer is left running.
 */
import type { Logger } from "../log/mod.ts";
import { type Clock, systemClock } from "../util/mod.ts";
import { AuditFile, type AuditFileOpener, openForAppend } from "./_audit_file.ts";
import { type ChainHead, type SealedRecord, sealRecord } from "./chain.ts";
import { type AuditEntry, buildRecordFields, type RecordFields } from "./record.ts";
import { headOfFileSync, resumeChain } from "./resume.ts";

/** First delay before reopening a failed sink. */
export const RETRY_MIN_MS = 1_000;
/** Longest delay between reopen attempts. */
export const RETRY_MAX_MS = 60_000;

/** Options for {@linkcode AuditLog.open}. */
export interface AuditLogOptions {
  /** The JSONL file (parents are created 0700). */
  path: string;
  /** Hash-chain the records (default true). */
  chain?: boolean;
  /** Also echo every line to the stderr writer as `AUDIT <line>` (default false). */
  stderr?: boolean;
  /** Diagnostics (degraded, recovered, rotated, resume seams). */
  logger: Logger;
  /** Time source for `ts` and the retry backoff (default the system clock). */
  clock?: Clock;
  /** Receives `AUDIT <line>` copies (default: the logger at warn level). */
  writeStderr?: (line: string) => void;
  /** Opens the file for appending (default `Deno.open` append+create 0600); a test seam. */
  openFile?: AuditFileOpener;
}

/** The sink's health, for server_info and check-config. */
export interface AuditStatus {
  /** The configured file. */
  path: string;
  /** True while records go to stderr instead of the file. */
  degraded: boolean;
  /** Why the sink is degraded ("" when healthy). */
  reason: string;
  /** Whether records are hash-chained. */
  chain: boolean;
  /** Records written to the file by this process. */
  records_written: number;
  /** Records written to stderr instead of the file (degraded or after close). */
  records_stderr: number;
  /** The last chained record emitted (file or stderr), or null. */
  head: { seq: number; chain: string } | null;
}

/** The append-only, optionally hash-chained JSONL audit log. */
export class AuditLog {
  #path: string;
  #chain: boolean;
  #echo: boolean;
  #logger: Logger;
  #clock: Clock;
  #writeStderr: (line: string) => void;
  #opener: AuditFileOpener;
  #file: AuditFile | null = null;
  #degraded = false;
  #reason = "";
  #retryDelay = RETRY_MIN_MS;
  #retryAt = 0;
  #head: ChainHead | null = null;
  #written = 0;
  #toStderr = 0;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  #warnedFields = new Set<string>();
  #encoder = new TextEncoder();

  /** Use {@linkcode AuditLog.open}; a bare instance has no file until its first append. */
  constructor(options: AuditLogOptions) {
    if (typeof options?.path !== "string" || options.path === "") {
      throw new TypeError("AuditLog: options.path must be a non-empty file path");
    }
    this.#path = options.path;
    this.#chain = options.chain ?? true;
    this.#echo = options.stderr ?? false;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#writeStderr = options.writeStderr ?? ((line) => options.logger.warn(line));
    this.#opener = options.openFile ?? openForAppend;
  }

  /** Opens the sink and resumes the chain; I/O problems make it degraded, never throw. */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    const log = new AuditLog(options);
    await log.#start();
    return log;
  }

  async #start(): Promise<void> {
    if (this.#chain) {
      try {
        const r = await resumeChain(this.#path);
        this.#head = r.head;
        if (r.warning) this.#logger.warn(r.warning, { path: this.#path });
        else if (r.head && r.source !== this.#path) {
          this.#logger.info("audit chain continues from a rotated file", {
            source: r.source,
            seq: r.head.seq + 1,
          });
        }
      } catch (err) {
        this.#logger.warn("audit chain restarts at genesis (a seam): resume failed", {
          error: err,
        });
      }
    }
    await this.#openFile();
  }

  /** Appends one record; never throws; resolves once it is written (to the file or stderr). */
  append(entry: AuditEntry): Promise<void> {
    let fields: RecordFields;
    try {
      fields = buildRecordFields(entry, {
        ts: new Date(this.#clock.now()).toISOString(),
        onReserved: (key) => this.#warnField(key),
      });
    } catch (err) {
      this.#logger.error("audit record could not be built; dropped", { error: err });
      return Promise.resolve();
    }
    const late = this.#closed;
    const run = this.#queue.then(() => this.#emit(fields, late));
    this.#queue = run;
    return run;
  }

  /** The sink's current health and chain head. */
  status(): AuditStatus {
    return {
      path: this.#path,
      degraded: this.#degraded,
      reason: this.#reason,
      chain: this.#chain,
      records_written: this.#written,
      records_stderr: this.#toStderr,
      head: this.#head ? { ...this.#head } : null,
    };
  }

  /** Waits for queued records, then closes the file; later appends go to stderr. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
    this.#file?.close();
    this.#file = null;
  }

  async #emit(fields: RecordFields, late: boolean): Promise<void> {
    try {
      if (!late) await this.#ensureFile();
      const file = late ? null : this.#file;
      if (file) {
        let locked = false;
        try {
          // Another relay-shell process (each stdio client starts one) may share this file:
          // appends are serialized by an exclusive lock, and a foreign append moves the head.
          // Everything between lock and unlock is synchronous: a second sink in this process
          // (or any await here) must never be able to block on the lock we hold.
          if (file.lockForAppend()) this.#resyncHead();
          locked = true;
          const sealed = sealRecord(fields, { chain: this.#chain, head: this.#head });
          file.writeLine(this.#encoder.encode(sealed.line + "\n"));
          this.#advance(sealed);
          this.#written++;
          if (this.#echo) this.#copyToStderr(sealed.line);
          return;
        } catch (err) {
          this.#degrade(`cannot write ${this.#path}: ${message(err)}`);
        } finally {
          if (locked) file.unlock();
        }
      }
      const sealed = sealRecord(fields, { chain: this.#chain, head: this.#head });
      if (this.#copyToStderr(sealed.line)) {
        this.#advance(sealed);
        this.#toStderr++;
      }
    } catch (err) {
      this.#logger.error("audit record lost", { error: err });
    }
  }

  /** Re-reads the chain head from the file after another process appended to it. */
  #resyncHead(): void {
    if (!this.#chain) return;
    // An empty file (just rotated, or new) holds no head: the one in memory stands.
    if (Deno.statSync(this.#path).size === 0) return;
    const r = headOfFileSync(this.#path);
    if (r.warning) this.#logger.warn(r.warning, { path: this.#path });
    this.#head = r.head;
  }

  async #ensureFile(): Promise<void> {
    if (!this.#file) {
      if (this.#degraded && this.#clock.now() >= this.#retryAt) await this.#openFile();
      return;
    }
    let change;
    try {
      change = await this.#file.check();
    } catch (err) {
      change = `check failed: ${message(err)}`;
    }
    if (change === "none") return;
    if (change === "truncated") {
      this.#logger.info(
        "audit file was truncated in place (copytruncate); appending at its new end",
        {
          path: this.#path,
        },
      );
      return;
    }
    this.#logger.info("audit file rotated; reopening", { path: this.#path, change });
    this.#file.close();
    this.#file = null;
    await this.#openFile();
  }

  async #openFile(): Promise<void> {
    try {
      this.#file = await AuditFile.open(this.#path, this.#opener, this.#logger);
    } catch (err) {
      this.#degrade(`cannot open ${this.#path}: ${message(err)}`);
      return;
    }
    if (this.#degraded) {
      this.#logger.info("audit sink recovered; records go to the file again", {
        path: this.#path,
        records_stderr: this.#toStderr,
      });
    }
    this.#degraded = false;
    this.#reason = "";
    this.#retryDelay = RETRY_MIN_MS;
  }

  #degrade(reason: string): void {
    if (this.#degraded) {
      this.#logger.debug("audit sink still degraded", { reason });
    } else {
      this.#logger.warn("audit sink degraded; records go to stderr", { path: this.#path, reason });
    }
    this.#file?.close();
    this.#file = null;
    this.#degraded = true;
    this.#reason = reason;
    this.#retryAt = this.#clock.now() + this.#retryDelay;
    this.#retryDelay = Math.min(this.#retryDelay * 2, RETRY_MAX_MS);
  }

  #advance(sealed: SealedRecord): void {
    if (sealed.head) this.#head = sealed.head;
  }

  #copyToStderr(line: string): boolean {
    try {
      this.#writeStderr(`AUDIT ${line}`);
      return true;
    } catch {
      return false;
    }
  }

  #warnField(key: string): void {
    if (this.#warnedFields.has(key)) return;
    this.#warnedFields.add(key);
    this.#logger.warn("audit extra field dropped: the name is reserved", { field: key });
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
