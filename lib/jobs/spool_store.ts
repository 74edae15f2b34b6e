/**
 * The directory of job spools (`<STATE_DIR>/jobs`, 0700; files 0600) and its bounds: a cap per
 * spool, a cap over all spools of this process (the oldest ENDED jobs' spools are deleted first;
 * a running job whose growth finds no room freezes its ring instead), and a retention for ended
 * jobs' spools. Opening the store deletes spools older than the retention that earlier runs (or
 * other servers sharing the state directory) left behind; a live job's spool is written as it
 * runs, so its age is never that of a live job unless the job stayed silent that long, and even
 * then its owner keeps the open file.
 */
import type { Logger } from "../log/mod.ts";
import { type Clock, systemClock } from "../util/mod.ts";
import { Spool } from "./spool.ts";

/** Options for {@linkcode SpoolStore.open}. */
export interface SpoolStoreOptions {
  /** The directory (created 0700 when missing). */
  dir: string;
  /** Most bytes on disk per spool (RELAY_SHELL_JOB_SPOOL_MAX_BYTES). */
  maxBytes: number;
  /** Most bytes on disk over all spools (RELAY_SHELL_JOB_SPOOL_TOTAL_BYTES). */
  totalBytes: number;
  /** How long an ended job's spool is kept (RELAY_SHELL_JOB_RETENTION, ms). */
  retentionMs: number;
  /** Smallest ring a spool keeps when the total is exhausted (default 64 KiB). */
  minRing?: number;
  /** Called with a job id whenever its spool is deleted. */
  onDelete?: (id: string) => void;
  /** Wall clock (inject a ManualClock in tests). */
  clock?: Clock;
  /** Diagnostics. */
  logger?: Logger;
}

const SPOOL_NAME = /^job-[A-Za-z0-9]+\.out$/;

interface Entry {
  spool: Spool;
  endedAt: number | null;
}

/** The spool directory and its bounds; see the module comment. */
export class SpoolStore {
  /** The directory. */
  readonly dir: string;
  #o: SpoolStoreOptions;
  #clock: Clock;
  #entries = new Map<string, Entry>();
  #total = 0;

  private constructor(options: SpoolStoreOptions) {
    this.dir = options.dir;
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Creates the directory (0700), removes expired leftovers, and returns the store. */
  static open(options: SpoolStoreOptions): SpoolStore {
    Deno.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    Deno.chmodSync(options.dir, 0o700);
    const store = new SpoolStore(options);
    store.#sweepLeftovers();
    return store;
  }

  /** Bytes on disk over all spools of this store. */
  get totalBytes(): number {
    return this.#total;
  }

  /** Spools held (running and ended). */
  get size(): number {
    return this.#entries.size;
  }

  /** Creates the spool of job `id` (synchronously). */
  create(id: string): Spool {
    if (!SPOOL_NAME.test(`${id}.out`)) throw new TypeError(`spool id: not a job id: ${id}`);
    const spool = Spool.create(`${this.dir}/${id}.out`, {
      capacity: this.#o.maxBytes,
      minRing: this.#o.minRing,
      grow: (n) => this.#reserve(n),
      forceGrow: (n) => void (this.#total += n),
    });
    this.#entries.set(id, { spool, endedAt: null });
    return spool;
  }

  /** The spool of job `id`, or null. */
  get(id: string): Spool | null {
    return this.#entries.get(id)?.spool ?? null;
  }

  /** Marks job `id` ended: its spool stops taking writes and counts toward retention from now. */
  ended(id: string): void {
    const e = this.#entries.get(id);
    if (!e || e.endedAt !== null) return;
    e.endedAt = this.#clock.now();
    e.spool.endWrites();
  }

  #reserve(bytes: number): boolean {
    if (this.#total + bytes > this.#o.totalBytes) {
      this.#evict(this.#total + bytes - this.#o.totalBytes);
    }
    if (this.#total + bytes > this.#o.totalBytes) return false;
    this.#total += bytes;
    return true;
  }

  /** Deletes ended spools, oldest first, until `need` bytes are freed or none is left. */
  #evict(need: number): void {
    const ended = [...this.#entries.entries()]
      .filter(([, e]) => e.endedAt !== null)
      .sort((a, b) => a[1].endedAt! - b[1].endedAt!);
    let freed = 0;
    for (const [id] of ended) {
      if (freed >= need) break;
      freed += this.delete(id, "total spool size");
    }
  }

  /** Deletes the spool of job `id`; returns the bytes freed. */
  delete(id: string, why = "deleted"): number {
    const e = this.#entries.get(id);
    if (!e) return 0;
    const size = e.spool.size;
    e.spool.delete();
    this.#entries.delete(id);
    this.#total = Math.max(0, this.#total - size);
    this.#o.logger?.debug("job spool deleted", { session: id, bytes: size, reason: why });
    this.#o.onDelete?.(id);
    return size;
  }

  /** Deletes ended spools past the retention; returns their job ids. */
  sweep(): string[] {
    const cutoff = this.#clock.now() - this.#o.retentionMs;
    const out: string[] = [];
    for (const [id, e] of [...this.#entries]) {
      if (e.endedAt !== null && e.endedAt <= cutoff) {
        this.delete(id, "retention");
        out.push(id);
      }
    }
    return out;
  }

  #sweepLeftovers(): void {
    const cutoff = this.#clock.now() - this.#o.retentionMs;
    for (const entry of Deno.readDirSync(this.dir)) {
      if (!entry.isFile || !SPOOL_NAME.test(entry.name)) continue;
      const path = `${this.dir}/${entry.name}`;
      try {
        const mtime = Deno.statSync(path).mtime?.getTime() ?? 0;
        if (mtime <= cutoff) Deno.removeSync(path);
      } catch { /* raced with another server */ }
    }
  }

  /** Releases every open file handle (files stay on disk for their retention). */
  close(): void {
    for (const e of this.#entries.values()) e.spool.endWrites();
  }
}
