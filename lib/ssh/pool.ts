/**
 * The SSH connection pool. Connections are keyed by {@linkcode poolKey} (everything that decides
 * identity and trust), connected once for concurrent callers (single flight), kept alive by
 * keepalives, closed after `idleTimeoutMs` unused by an unref'd timer, and capped at `maxConns`
 * by closing the least recently used idle connection. A connection that dropped is noticed at
 * once and replaced on the next use; repeated connect failures back off exponentially.
 *
 * Channels: sshd allows MaxSessions (10) sessions per connection, so each connection hands out
 * at most `maxChannels` (8) slots. A caller that finds them taken waits in line on a connection
 * whose channels are short commands (they finish soon; a second connection would cost a
 * handshake and authentication and load the server); only when every slot is held by a session
 * (ssh_spawn, which may stay open for hours) is another connection opened, up to
 * `maxConnectionsPerTarget`. Jump hops are pooled connections of their own, pinned while a
 * connection tunnels through them.
 */
import type { Logger } from "../log/mod.ts";
import { type Clock, systemClock } from "../util/mod.ts";
import { poolKey } from "./hosts/pool_key.ts";
import type { ResolvedTarget } from "./hosts/target.ts";
import type { KnownHostsStore } from "./known_hosts.ts";
import { connectSsh, type ConnectSshOptions } from "./connect.ts";
import type { ChannelSlot, SshConnection } from "./connection.ts";
import { SshConnectionLostError } from "./ssh_errors.ts";

/** Options for {@linkcode SshPool}. */
export interface SshPoolOptions {
  /** Connections at once (MAX_CONNS). */
  maxConns: number;
  /** Close a connection unused this long; 0 = never (SSH_IDLE_TIMEOUT). */
  idleTimeoutMs: number;
  /** Session channels per connection (default 8: under sshd's default MaxSessions of 10). */
  maxChannels?: number;
  /** Connections per target when sessions hold every channel (default 4). */
  maxConnectionsPerTarget?: number;
  /** Connector seam (default {@linkcode connectSsh}). */
  connect?: (target: ResolvedTarget, options: ConnectSshOptions) => Promise<SshConnection>;
  /** Reads credential variables (default: the process environment). */
  getEnv?: (name: string) => string | undefined;
  /** Gets every credential value read (to register it with the redactor). */
  onSecret?: (value: string) => void;
  /** Home directory for messages. */
  home?: string;
  /** known_hosts parse cache. */
  store?: KnownHostsStore;
  /** Time source for idle and LRU bookkeeping. */
  clock?: Clock;
  /** Diagnostics. */
  logger?: Logger;
  /** Idle sweep period; 0 = no timer (call `sweep()`); default min(idle/4, 30 s). */
  sweepIntervalMs?: number;
  /** First reconnect delay after a failed connect (default 250 ms; doubles, at most 8 s). */
  backoffBaseMs?: number;
}

/** Options for {@linkcode SshPool.acquire}. */
export interface AcquireOptions {
  /** Gives up waiting (the connect itself goes on for other callers). */
  signal?: AbortSignal;
  /** Connect deadline if a connection must be opened (default: the target's ConnectTimeout). */
  timeoutMs?: number;
  /** A session that holds its channel for long: pins the connection and may open another. */
  longLived?: boolean;
}

/** A session-channel slot on a pooled connection; release it once the channel closed. */
export interface Lease {
  /** The connection to open the channel on. */
  readonly connection: SshConnection;
  /** Frees the slot (and the pin of a long-lived lease). Idempotent. */
  release(): void;
}

interface Entry {
  key: string;
  lanes: SshConnection[];
  connecting: Promise<SshConnection> | null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new DOMException("aborted", "AbortError"));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The connection pool; see the module comment. */
export class SshPool {
  #o: SshPoolOptions;
  #clock: Clock;
  #entries = new Map<string, Entry>();
  #failures = new Map<string, { count: number; at: number }>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /** An empty pool; nothing connects until the first `acquire`. */
  constructor(options: SshPoolOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Reads a credential variable the way connections do (and hands the value to `onSecret`), for
   * engines that authenticate outside ssh2 (the OpenSSH transfer engine's askpass).
   */
  credential(name: string): string | undefined {
    const v = (this.#o.getEnv ?? ((n: string) => Deno.env.get(n)))(name);
    if (v) this.#o.onSecret?.(v);
    return v;
  }

  /** Live connections (jump hops included). */
  get size(): number {
    let n = 0;
    for (const e of this.#entries.values()) n += e.lanes.length;
    return n;
  }

  /** Live connections to `target` (as keyed by poolKey). */
  connectionsTo(target: ResolvedTarget): readonly SshConnection[] {
    return [...(this.#entries.get(poolKey(target))?.lanes ?? [])];
  }

  #entry(key: string): Entry {
    let e = this.#entries.get(key);
    if (!e) {
      e = { key, lanes: [], connecting: null };
      this.#entries.set(key, e);
    }
    return e;
  }

  /** A session-channel slot on a pooled connection to `target` (connecting when needed). */
  async acquire(target: ResolvedTarget, options: AcquireOptions = {}): Promise<Lease> {
    const longLived = options.longLived ?? false;
    const perTarget = this.#o.maxConnectionsPerTarget ?? 4;
    const entry = this.#entry(poolKey(target));
    for (;;) {
      options.signal?.throwIfAborted();
      const live = entry.lanes.filter((c) => c.alive);
      for (const c of live) {
        const slot = c.tryAcquire(longLived);
        if (slot) return this.#lease(c, slot, longLived);
      }
      // Every slot is taken. Queue behind short commands; open another connection only when
      // sessions hold the channels (or there is no connection yet).
      const byQueue = (a: SshConnection, b: SshConnection) => a.waiting - b.waiting;
      const transient = live.filter((c) => c.activeChannels > c.longLivedChannels).sort(byQueue);
      if (live.length === 0 || (transient.length === 0 && live.length < perTarget)) {
        await this.#grow(entry, target, options);
        continue;
      }
      const lane = transient[0] ?? [...live].sort(byQueue)[0];
      try {
        const slot = await lane.acquire(options.signal, longLived);
        return this.#lease(lane, slot, longLived);
      } catch (err) {
        if (err instanceof SshConnectionLostError && !options.signal?.aborted) continue;
        throw err;
      }
    }
  }

  /** A live connection to `target` without a channel slot (jump hops, forwards). */
  async connection(target: ResolvedTarget, options: AcquireOptions = {}): Promise<SshConnection> {
    const entry = this.#entry(poolKey(target));
    for (;;) {
      options.signal?.throwIfAborted();
      const live = entry.lanes.find((c) => c.alive);
      if (live) {
        live.touch();
        return live;
      }
      await this.#grow(entry, target, options);
    }
  }

  #lease(c: SshConnection, slot: ChannelSlot, longLived: boolean): Lease {
    const unpin = longLived ? c.pin() : undefined;
    return {
      connection: c,
      release: () => {
        slot.release();
        unpin?.();
      },
    };
  }

  #grow(entry: Entry, target: ResolvedTarget, options: AcquireOptions): Promise<SshConnection> {
    if (this.#closed) return Promise.reject(new Error("Cannot connect: the SSH pool is closed"));
    if (!entry.connecting) {
      const p = this.#open(entry, target, options.timeoutMs);
      entry.connecting = p;
      p.catch(() => {}).finally(() => {
        if (entry.connecting === p) entry.connecting = null;
      });
    }
    return abortable(entry.connecting, options.signal);
  }

  async #open(entry: Entry, target: ResolvedTarget, timeoutMs?: number): Promise<SshConnection> {
    const failed = this.#failures.get(entry.key);
    if (failed) {
      const base = this.#o.backoffBaseMs ?? 250;
      const delay = Math.min(base * 2 ** (failed.count - 1), 8000);
      const wait = failed.at + delay - this.#clock.now();
      if (wait > 0) await sleep(Math.min(wait, delay));
    }
    this.#makeRoom(entry);
    let via: SshConnection | undefined;
    let unpinVia: (() => void) | undefined;
    try {
      if (target.jump) {
        via = await this.connection(target.jump, { timeoutMs });
        unpinVia = via.pin();
      }
      const connect = this.#o.connect ?? connectSsh;
      const conn = await connect(target, {
        timeoutMs,
        via,
        getEnv: this.#o.getEnv,
        onSecret: this.#o.onSecret,
        home: this.#o.home,
        store: this.#o.store,
        maxChannels: this.#o.maxChannels ?? 8,
        now: () => this.#clock.now(),
        onClose: (c) => {
          entry.lanes = entry.lanes.filter((l) => l !== c);
          unpinVia?.();
          this.#o.logger?.debug("ssh connection closed", { host: c.label });
          if (this.size === 0) this.#stopTimer();
        },
      });
      this.#failures.delete(entry.key);
      if (this.#closed) {
        await conn.close();
        throw new Error("Cannot connect: the SSH pool is closed");
      }
      entry.lanes.push(conn);
      this.#startTimer();
      this.#o.logger?.debug("ssh connected", { host: conn.label, pooled: this.size });
      if (conn.authProblems.length) {
        this.#o.logger?.info("ssh authentication notes", {
          host: conn.label,
          problems: conn.authProblems,
        });
      }
      return conn;
    } catch (err) {
      unpinVia?.();
      const prev = this.#failures.get(entry.key);
      this.#failures.set(entry.key, { count: (prev?.count ?? 0) + 1, at: this.#clock.now() });
      throw err;
    }
  }

  /** Makes room for one more connection (the one `self` is about to open). */
  #makeRoom(self: Entry): void {
    let total = this.size;
    for (const e of this.#entries.values()) if (e.connecting && e !== self) total++;
    if (total < this.#o.maxConns) return;
    const idle = [...this.#entries.values()].flatMap((e) => e.lanes).filter((c) => c.idle)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const c of idle) {
      if (total < this.#o.maxConns) break;
      this.#evict(c, "lru");
      total--;
    }
    if (total >= this.#o.maxConns) {
      this.#o.logger?.warn("MAX_CONNS exceeded: every pooled connection is in use", {
        max: this.#o.maxConns,
      });
    }
  }

  #evict(c: SshConnection, reason: string): void {
    for (const e of this.#entries.values()) e.lanes = e.lanes.filter((l) => l !== c);
    this.#o.logger?.debug("ssh connection evicted", { host: c.label, reason });
    void c.close();
  }

  /** Closes connections idle longer than `idleTimeoutMs`; returns how many. */
  sweep(): number {
    const idleMs = this.#o.idleTimeoutMs;
    let n = 0;
    if (idleMs > 0) {
      const now = this.#clock.now();
      for (const e of [...this.#entries.values()]) {
        for (const c of e.lanes) {
          if (c.idle && now - c.lastUsed >= idleMs) {
            this.#evict(c, "idle");
            n++;
          }
        }
      }
    }
    for (const [k, e] of this.#entries) {
      if (e.lanes.length === 0 && !e.connecting) this.#entries.delete(k);
    }
    if (this.size === 0) this.#stopTimer();
    return n;
  }

  #startTimer(): void {
    if (this.#timer !== undefined || this.#o.idleTimeoutMs <= 0) return;
    const every = this.#o.sweepIntervalMs ??
      Math.max(250, Math.min(this.#o.idleTimeoutMs / 4, 30_000));
    if (every <= 0) return;
    this.#timer = setInterval(() => this.sweep(), every);
    Deno.unrefTimer(this.#timer);
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Closes every connection (shutdown); later `acquire` calls fail. */
  async closeAll(): Promise<void> {
    this.#closed = true;
    this.#stopTimer();
    const pending = [...this.#entries.values()].map((e) => e.connecting).filter((p) => p !== null);
    const lanes = [...this.#entries.values()].flatMap((e) => e.lanes);
    // Connections first, then the hops they tunnel through (pinned by them).
    const hops = lanes.filter((c) => c.pins > 0);
    await Promise.all(lanes.filter((c) => c.pins === 0).map((c) => c.close()));
    await Promise.all(hops.map((c) => c.close()));
    await Promise.allSettled(pending);
    this.#entries.clear();
  }
}
