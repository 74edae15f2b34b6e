/** Samples every `/proc/<pid>/cmdline` in a tight loop, looking for strings that must not be there. */

/** A running sampler. */
export interface CmdlineWatch {
  /** Stops sampling; says how many sweeps ran and which needles were seen. */
  stop(): Promise<{ sweeps: number; processesSeen: number; hits: string[] }>;
}

function sweep(needles: readonly string[], hits: Set<string>, pids: Set<number>): void {
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    let cmd: string;
    try {
      cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
    } catch {
      continue; // exited meanwhile
    }
    pids.add(Number(e.name));
    for (const n of needles) if (cmd.includes(n)) hits.add(n);
  }
}

/** Starts sampling for `needles` until `stop()`. */
export function watchCmdlines(needles: readonly string[]): CmdlineWatch {
  const hits = new Set<string>();
  const pids = new Set<number>();
  let sweeps = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      sweep(needles, hits, pids);
      sweeps++;
      await new Promise((r) => setTimeout(r, 0));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { sweeps, processesSeen: pids.size, hits: [...hits] };
    },
  };
}
