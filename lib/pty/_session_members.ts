/**
 * The processes of one terminal session. A shell with job control puts each job in its own
 * process group, so signalling the leader's group alone would miss them: closing a PTY signals
 * every process whose session id is the leader's pid. The process table comes from lib/exec.
 */
import { processTable } from "../exec/mod.ts";

/** One live (non-zombie) process: its pid and process group. */
export interface Member {
  /** Process id. */
  pid: number;
  /** Process group id. */
  pgid: number;
}

/** Live members of session `sid` (pid = sid for the sessions PTYs create). */
export function sessionMembers(sid: number): Member[] {
  return processTable()
    .filter((e) => e.sid === sid && !e.defunct)
    .map((e) => ({ pid: e.pid, pgid: e.pgid }));
}

/** Sends `signal` to every process group of session `sid`; returns how many groups it reached. */
export function signalSession(sid: number, signal: Deno.Signal): number {
  const groups = new Set(sessionMembers(sid).map((m) => m.pgid));
  let n = 0;
  for (const g of groups) {
    if (g <= 1) continue;
    try {
      Deno.kill(-g, signal);
      n++;
    } catch {
      // the group is gone
    }
  }
  return n;
}
