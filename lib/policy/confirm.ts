/**
 * The Tier-3 confirmation broker: plan → arm → execute. A Tier-3 call first gets a token bound to
 * the exact operation (tool, every effective argument, client); `operation_confirm` arms it; the
 * identical call then burns it and runs. Tokens are single-use, expire, and are stored only as
 * SHA-256 hashes next to the operation hash, never with the arguments.
 */
import { type Clock, systemClock } from "../util/clock.ts";
import { randomToken } from "../util/ids.ts";
import { operationHash, sha256 } from "./_operation_key.ts";

/** Settings for {@link ConfirmationBroker}. */
export interface ConfirmationBrokerOptions {
  /** How long a planned token stays valid, in milliseconds. */
  ttlMs: number;
  /** Most tokens kept at once (default 256); the soonest to expire is evicted first. */
  maxPending?: number;
  /** Time source (default: the system clock). */
  clock?: Clock;
}

/** One operation a client may confirm. */
export interface ConfirmableOperation {
  /** The tool name. */
  tool: string;
  /** The effective arguments, raw (not redacted). */
  args: unknown;
  /** The client identity the token is bound to. */
  clientId: string;
}

interface Pending {
  opHash: string;
  clientId: string;
  expiresAt: number;
  armed: boolean;
}

/** Mints, arms and burns single-use confirmation tokens for Tier-3 operations. */
export class ConfirmationBroker {
  #ttlMs: number;
  #max: number;
  #clock: Clock;
  /** Keyed by SHA-256 of the token. */
  #pending = new Map<string, Pending>();

  /** Creates an empty broker. */
  constructor(options: ConfirmationBrokerOptions) {
    const { ttlMs, maxPending = 256, clock = systemClock } = options;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new RangeError(`ttlMs: expected a positive number of milliseconds, got ${ttlMs}`);
    }
    if (!Number.isInteger(maxPending) || maxPending < 1) {
      throw new RangeError(`maxPending: expected a positive integer, got ${maxPending}`);
    }
    this.#ttlMs = ttlMs;
    this.#max = maxPending;
    this.#clock = clock;
  }

  /**
   * Returns a fresh unguessable token (128 bits, randomToken) for this exact operation. The
   * operation key binds tool, every effective argument (canonical JSON with sorted keys, raw
   * un-redacted) and the client id.
   */
  plan(op: ConfirmableOperation): { token: string; expiresAt: number } {
    const opHash = operationHash(op);
    const now = this.#clock.now();
    this.#sweep(now);
    while (this.#pending.size >= this.#max) this.#evictSoonest();
    const token = randomToken(16);
    const expiresAt = now + this.#ttlMs;
    this.#pending.set(sha256(token), { opHash, clientId: op.clientId, expiresAt, armed: false });
    return { token, expiresAt };
  }

  /**
   * Arms a planned token for the same client; "armed" | "invalid" (unknown, expired, or another
   * client's). Idempotent; does not extend the TTL.
   */
  arm(token: string, clientId: string): "armed" | "invalid" {
    if (typeof token !== "string" || token === "") return "invalid";
    const now = this.#clock.now();
    this.#sweep(now);
    const entry = this.#pending.get(sha256(token));
    if (!entry || entry.clientId !== clientId) return "invalid";
    entry.armed = true;
    return "armed";
  }

  /** If an ARMED unexpired token matches this exact operation and client, burns it (single use) and returns true. */
  consume(op: ConfirmableOperation): boolean {
    const now = this.#clock.now();
    this.#sweep(now);
    const opHash = operationHash(op);
    for (const [key, entry] of this.#pending) {
      if (entry.armed && entry.opHash === opHash && entry.clientId === op.clientId) {
        this.#pending.delete(key);
        return true;
      }
    }
    return false;
  }

  /** Unexpired tokens currently held (armed or not). */
  get pending(): number {
    this.#sweep(this.#clock.now());
    return this.#pending.size;
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#pending) if (now >= entry.expiresAt) this.#pending.delete(key);
  }

  #evictSoonest(): void {
    let soonestKey: string | undefined;
    let soonest = Infinity;
    for (const [key, entry] of this.#pending) {
      if (entry.expiresAt < soonest) {
        soonest = entry.expiresAt;
        soonestKey = key;
      }
    }
    if (soonestKey === undefined) return;
    this.#pending.delete(soonestKey);
  }
}
