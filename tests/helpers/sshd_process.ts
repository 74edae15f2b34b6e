/**
 * Process helpers of the sshd harness: a free loopback port, the descendants of a pid from /proc,
 * and signals that reach root-owned sshd processes through `sudo -n kill` when not root.
 */
import { run } from "./sshd_users.ts";

/** A port that was free a moment ago on 127.0.0.1 (bind to 0, read, release). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Pids of every descendant of `pid` (from /proc), children first. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e.name));
      children.set(ppid, list);
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** True when `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Sends `sig` to each live pid (through `sudo -n kill` when not root). */
export async function signal(
  pids: number[],
  sig: "SIGTERM" | "SIGKILL" | "SIGSTOP" | "SIGCONT",
): Promise<void> {
  const live = pids.filter(alive);
  if (live.length === 0) return;
  if (Deno.uid() === 0) {
    for (const p of live) {
      try {
        Deno.kill(p, sig);
      } catch { /* already gone */ }
    }
    return;
  }
  await run(["sudo", "-n", "kill", `-${sig.slice(3)}`, ...live.map(String)], { allowFail: true });
}
