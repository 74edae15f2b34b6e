/**
 * Tracks the process groups the server started. Children outlive Deno on every kind of exit, so
 * the server records each group and kills what is left of it on shutdown. Groups whose leader
 * exited stay tracked while any member lives; a sweep drops empty ones.
 */

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

/** The set of live process-group ids on this machine, read from /proc (Linux). */
export function liveProcessGroups(): Set<number> {
  const groups = new Set<number>();
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync("/proc");
  } catch {
    return groups;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      // "pid (comm) state ppid pgrp ..." — comm may hold spaces and parens; parse after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const state = rest[0];
      if (state === "Z" || state === "X") continue; // zombies hold no resources worth a signal
      groups.add(Number(rest[2]));
    } catch {
      // the process exited while we looked
    }
  }
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
   * Used on shutdown.
   */
  async killAll(graceMs = 2000): Promise<number> {
    this.sweep();
    const targets = [...this.#groups];
    if (targets.length === 0) return 0;
    for (const g of targets) signalGroup(g, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      const live = liveProcessGroups();
      if (!targets.some((g) => live.has(g))) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const live = liveProcessGroups();
    for (const g of targets) {
      if (live.has(g)) signalGroup(g, "SIGKILL");
      this.#groups.delete(g);
    }
    return targets.length;
  }
}
