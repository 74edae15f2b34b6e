/**
 * Owns every port forward of the server: ids `fwd-1`, `fwd-2`, …, the `RELAY_SHELL_MAX_FORWARDS`
 * limit (forwards that are active or reconnecting count; failed ones stay listed until closed),
 * listing, closing one, and closing all at shutdown.
 */
import type { Logger } from "../../log/mod.ts";
import type { ResolvedTarget } from "../hosts/target.ts";
import { Forward, type ForwardInfo, type ForwardPool } from "./forward.ts";
import type { ForwardSpec } from "./spec.ts";

/** Options for {@linkcode ForwardManager}. */
export interface ForwardManagerOptions {
  /** The SSH connection pool. */
  pool: ForwardPool;
  /** Forwards open at once (RELAY_SHELL_MAX_FORWARDS). */
  maxForwards: number;
  /** Diagnostics. */
  logger?: Logger;
  /** First reconnect delay (default 250 ms). */
  retryDelayMs?: number;
}

/** Refused: `maxForwards` forwards are open. */
export class ForwardLimitError extends Error {
  /** The limit. */
  readonly limit: number;
  /** Builds the error. */
  constructor(limit: number) {
    super(
      `Cannot open forward: limit of ${limit} forwards reached (RELAY_SHELL_MAX_FORWARDS); close one with ssh_forward_close`,
    );
    this.name = "ForwardLimitError";
    this.limit = limit;
  }
}

/** No forward has this id. */
export class ForwardNotFoundError extends TypeError {
  /** The id asked for. */
  readonly id: string;
  /** Builds the error. */
  constructor(id: string) {
    super(`id: no forward ${id}; ssh_forward_list shows the open ones`);
    this.name = "ForwardNotFoundError";
    this.id = id;
  }
}

/** Options for {@linkcode ForwardManager.open}. */
export interface OpenForwardOptions {
  /** Gives up connecting. */
  signal?: AbortSignal;
}

/** See the module comment. */
export class ForwardManager {
  #o: ForwardManagerOptions;
  #forwards = new Map<string, Forward>();
  #starting = 0;
  #next = 1;
  #closed = false;

  /** An empty manager. */
  constructor(options: ForwardManagerOptions) {
    this.#o = options;
  }

  /** The limit. */
  get maxForwards(): number {
    return this.#o.maxForwards;
  }

  /** Forwards that hold a listener (active or reconnecting), plus those being opened. */
  get openCount(): number {
    let n = this.#starting;
    for (const f of this.#forwards.values()) {
      if (f.state === "active" || f.state === "reconnecting") n++;
    }
    return n;
  }

  /** Connects to `target` and starts the forward `spec`; rejects without leaving anything open. */
  async open(
    target: ResolvedTarget,
    spec: ForwardSpec,
    options: OpenForwardOptions = {},
  ): Promise<ForwardInfo> {
    if (this.#closed) throw new Error("Cannot open forward: the server is shutting down");
    if (this.openCount >= this.#o.maxForwards) throw new ForwardLimitError(this.#o.maxForwards);
    const f = new Forward({
      id: `fwd-${this.#next++}`,
      target,
      spec,
      pool: this.#o.pool,
      logger: this.#o.logger,
      retryDelayMs: this.#o.retryDelayMs,
    });
    this.#starting++;
    try {
      await f.start(options.signal);
    } catch (err) {
      await f.close();
      throw err;
    } finally {
      this.#starting--;
    }
    if (this.#closed) {
      await f.close();
      throw new Error("Cannot open forward: the server is shutting down");
    }
    this.#forwards.set(f.id, f);
    this.#o.logger?.debug("forward opened", { ...f.info() });
    return f.info();
  }

  /** Every forward not yet closed, oldest first. */
  list(): ForwardInfo[] {
    return [...this.#forwards.values()].map((f) => f.info());
  }

  /** One forward's snapshot; throws {@linkcode ForwardNotFoundError}. */
  get(id: string): ForwardInfo {
    const f = this.#forwards.get(id);
    if (!f) throw new ForwardNotFoundError(id);
    return f.info();
  }

  /** Closes a forward (listener closed, its connections ended); returns its final snapshot. */
  async close(id: string): Promise<ForwardInfo> {
    const f = this.#forwards.get(id);
    if (!f) throw new ForwardNotFoundError(id);
    this.#forwards.delete(id);
    await f.close();
    return f.info();
  }

  /** Closes every forward (shutdown); later `open` calls fail. */
  async closeAll(): Promise<void> {
    this.#closed = true;
    const all = [...this.#forwards.values()];
    this.#forwards.clear();
    await Promise.all(all.map((f) => f.close()));
  }
}
