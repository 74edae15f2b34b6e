/** A source of time, injectable so timers and expiries can be tested without waiting. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The real clock, backed by `Date.now()`. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  #t: number;
  /** Starts at `start` milliseconds since the epoch. */
  constructor(start = 1_700_000_000_000) {
    this.#t = start;
  }
  /** The current manual time. */
  now(): number {
    return this.#t;
  }
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#t += ms;
  }
}
