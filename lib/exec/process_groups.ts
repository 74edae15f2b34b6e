/**
 * Tracks the process groups the server started. Children outlive Deno on every kind of exit, so
 * the server records each group and kills what is left of it on shutdown. Groups whose leader
 * exited stay tracked while any member lives; a sweep drops empty ones.
 * Liveness comes from the process table (see process_table.ts). Zombies do not count as live: they
 * hold nothing and, under an init that does not reap orphans, would linger forever.
 */
import { processTable } from "./process_table.ts";

/** Signals a whole process group; false if the group no longer exists. */
export function signalGroup(pgid: number, signal: Deno.Signal): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    Deno.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The set of live (non-zombie) process-group ids on this machine. */
export function liveProcessGroups(): Set<number> {
  const groups = new Set<number>();
  for (const e of processTable()) if (!e.defunct) groups.add(e.pgid);
  return groups;
}

/** True when some live (non-zombie) process belongs to group `pgid`. */
export function groupAlive(pgid: number): boolean {
  return liveProcessGroups().has(pgid);
}

/** The registry of process groups this server started. */
export class ProcessGroups {
  #groups = new Set<number>();

  /** Starts tracking a group (its leader's pid). */
  add(pgid: number): void {
    this.#groups.add(pgid);
  }

  /** Stops tracking a group whose members are all gone. */
  delete(pgid: number): void {
    this.#groups.delete(pgid);
  }

  /** Tracked group ids. */
  get size(): number {
    return this.#groups.size;
  }

  /** Drops tracked groups with no live member. */
  sweep(): void {
    if (this.#groups.size === 0) return;
    const live = liveProcessGroups();
    for (const g of this.#groups) if (!live.has(g)) this.#groups.delete(g);
  }

  /**
   * Terminates every tracked group: SIGTERM, wait up to `graceMs` for them to go, then SIGKILL.
   * Used on shutdown. Returns how many groups still had members.
   */
  async killAll(graceMs = 2000): Promise<number> {
    this.sweep();
    const targets = [...this.#groups];
    if (targets.length === 0) return 0;
    for (const g of targets) signalGroup(g, "SIGTERM");
    const deadline = Date.now() + graceMs;
    let live = liveProcessGroups();
    while (Date.now() < deadline && targets.some((g) => live.has(g))) {
      await new Promise((r) => setTimeout(r, 25));
      live = liveProcessGroups();
    }
    for (const g of targets) {
      if (live.has(g)) signalGroup(g, "SIGKILL");
      this.#groups.delete(g);
    }
    return targets.length;
  }
}
