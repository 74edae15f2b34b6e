/**
 * The one registry of live sessions (local PTYs now; SSH PTYs and background jobs later). It
 * enforces the session limit, finds sessions by id, signals and closes them, and reaps on a timer:
 * sessions idle too long, sessions past their lifetime, and exited sessions whose output was read.
 * A session with a read in progress is never reaped. `closeAll` ends everything on shutdown.
 */
import type { Logger } from "../log/mod.ts";
import { type Clock, newId, systemClock } from "../util/mod.ts";
import type { SessionBackend, SessionKind } from "./backend.ts";
import { SessionLimitError, SessionNotFoundError } from "./errors.ts";
import { Session } from "./session.ts";
import { within } from "./_time.ts";

/** Options for {@linkcode SessionRegistry}. */
export interface SessionRegistryOptions {
  /** Live sessions at once (RELAY_SHELL_MAX_SESSIONS). */
  maxSessions: number;
  /** Ring buffer per session (RELAY_SHELL_SESSION_BUFFER_BYTES). */
  bufferBytes: number;
  /** Close a session after this long without a caller touching it. */
  idleTimeoutMs: number;
  /** Close a session this long after it started; 0 = no limit. */
  maxLifetimeMs: number;
  /** Time source (inject a ManualClock in tests). */
  clock?: Clock;
  /** Diagnostics. */
  logger?: Logger;
  /** How often the reaper runs; 0 = no timer (call `reap()` yourself). Default 15000. */
  reapIntervalMs?: number;
  /** How long an exited, fully read session stays listed (default 60000 ms). */
  exitedGraceMs?: number;
  /** Time between TERM and KILL when closing (default 2000 ms). */
  closeGraceMs?: number;
  /** How long `kill` with close waits for its own signal to end the program before closing (default 500 ms). */
  killWaitMs?: number;
}

/** Options for {@linkcode SessionRegistry.add}. */
export interface AddSessionOptions {
  /** Terminal columns (0 for jobs). */
  cols?: number;
  /** Terminal rows (0 for jobs). */
  rows?: number;
  /** The program is a POSIX shell (session_exec may drive it). */
  posixShell?: boolean;
}

/** Why the reaper closed a session. */
export type ReapReason = "idle" | "lifetime" | "exited";

/** What `kill` did. */
export interface KillResult {
  /** The signal reached something. */
  signalled: boolean;
  /** The session was closed and removed. */
  closed: boolean;
  /** The session as it was at the end. */
  session: Session;
}

const PREFIX: Record<SessionKind, string> = { local: "sh", ssh: "ssh", job: "job" };

/** The session registry; see the module comment. */
export class SessionRegistry {
  #o: Required<Omit<SessionRegistryOptions, "logger">> & { logger?: Logger };
  #sessions = new Map<string, Session>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #reaping: Promise<{ id: string; reason: ReapReason }[]> | null = null;
  #shutdown = false;

  /** Builds the registry and starts the reaper timer (unref'd: it never keeps the process alive). */
  constructor(options: SessionRegistryOptions) {
    this.#o = {
      clock: systemClock,
      reapIntervalMs: 15_000,
      exitedGraceMs: 60_000,
      closeGraceMs: 2000,
      killWaitMs: 500,
      ...options,
    };
    if (this.#o.reapIntervalMs > 0) {
      this.#timer = setInterval(() => void this.reap().catch(() => {}), this.#o.reapIntervalMs);
      Deno.unrefTimer(this.#timer);
    }
  }

  /** Sessions held. */
  get size(): number {
    return this.#sessions.size;
  }

  /** The configured limit. */
  get maxSessions(): number {
    return this.#o.maxSessions;
  }

  /** True when `add` would succeed now (after dropping exited sessions whose output was read). */
  hasRoom(): boolean {
    if (this.#shutdown) return false;
    if (this.#sessions.size < this.#o.maxSessions) return true;
    return [...this.#sessions.values()].some((s) =>
      s.state === "exited" && s.readCursor >= s.log.produced
    );
  }

  /**
   * Registers a backend as a new session with a fresh unguessable id. Throws SessionLimitError
   * when full: the caller then closes the backend it made.
   */
  add(backend: SessionBackend, options: AddSessionOptions = {}): Session {
    if (this.#shutdown) throw new Error("Cannot open session: the server is shutting down");
    if (this.#sessions.size >= this.#o.maxSessions) {
      // Exited sessions whose output was read are done: they make room first, oldest first.
      for (const s of this.#sessions.values()) {
        if (this.#sessions.size < this.#o.maxSessions) break;
        if (s.state === "exited" && s.readCursor >= s.log.produced) this.#remove(s, "exited");
      }
      if (this.#sessions.size >= this.#o.maxSessions) {
        throw new SessionLimitError(this.#o.maxSessions);
      }
    }
    const session = new Session({
      id: newId(PREFIX[backend.kind]),
      backend,
      cols: options.cols ?? 0,
      rows: options.rows ?? 0,
      bufferBytes: this.#o.bufferBytes,
      clock: this.#o.clock,
      posixShell: options.posixShell,
    });
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The session with `id`; throws SessionNotFoundError. */
  get(id: string): Session {
    const s = this.#sessions.get(id);
    if (!s) throw new SessionNotFoundError(id);
    return s;
  }

  /** Every session, oldest first. */
  list(): Session[] {
    return [...this.#sessions.values()];
  }

  /** Current clock time (ms). */
  now(): number {
    return this.#o.clock.now();
  }

  /**
   * Sends `signal`; with `close`, waits briefly (`killWaitMs`) for it to end the program, then
   * removes the session and ends whatever is left of it (HUP and TERM, the close grace, KILL).
   */
  async kill(id: string, signal: Deno.Signal, close: boolean): Promise<KillResult> {
    const s = this.get(id);
    const signalled = s.state === "running" ? s.signal(signal) : false;
    if (!close) return { signalled, closed: false, session: s };
    this.#sessions.delete(id);
    if (signalled) await within(s.ended, this.#o.killWaitMs);
    await s.close(this.#o.closeGraceMs);
    return { signalled, closed: true, session: s };
  }

  #remove(s: Session, reason: ReapReason): Promise<void> {
    this.#sessions.delete(s.id);
    this.#o.logger?.info("session closed", { session: s.id, reason });
    return s.close(this.#o.closeGraceMs).catch((err) =>
      this.#o.logger?.warn("closing session failed", { session: s.id, error: String(err) })
    );
  }

  /** One reaper pass (the timer calls it; tests call it with a ManualClock). Returns what it closed. */
  reap(): Promise<{ id: string; reason: ReapReason }[]> {
    this.#reaping ??= (async () => {
      const now = this.#o.clock.now();
      const out: { id: string; reason: ReapReason }[] = [];
      const closing: Promise<void>[] = [];
      for (const s of [...this.#sessions.values()]) {
        if (s.readsInProgress > 0) continue;
        let reason: ReapReason | null = null;
        if (now - s.lastActivity > this.#o.idleTimeoutMs) reason = "idle";
        else if (this.#o.maxLifetimeMs > 0 && now - s.createdAt > this.#o.maxLifetimeMs) {
          reason = "lifetime";
        } else if (
          s.state === "exited" && s.readCursor >= s.log.produced &&
          now - Math.max(s.lastActivity, s.exitedAt ?? 0) >= this.#o.exitedGraceMs
        ) reason = "exited";
        if (!reason) continue;
        out.push({ id: s.id, reason });
        closing.push(this.#remove(s, reason));
      }
      await Promise.all(closing);
      return out;
    })().finally(() => (this.#reaping = null));
    return this.#reaping;
  }

  /** Stops the reaper and closes every session and its processes (shutdown). */
  async closeAll(graceMs: number = this.#o.closeGraceMs): Promise<void> {
    this.#shutdown = true;
    clearInterval(this.#timer);
    await this.#reaping;
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(all.map((s) => s.close(graceMs).catch(() => {})));
  }
}
