/**
 * Local PTY sessions: throughput of output through a real PTY into a session's ring buffer
 * against the same bytes through a plain pipe, and the `session_exec` round trip for `true`
 * against a `shell_exec` of `true`, both over MCP stdio with the real server. Every subject has
 * its baseline measured in the same run.
 */
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { buildChildEnv } from "../lib/exec/mod.ts";
import { SessionRegistry, spawnLocalPty } from "../lib/sessions/mod.ts";
import { type Comparison, median, timeRuns } from "./_stats.ts";

const ROOT = new URL("../", import.meta.url).pathname;

function producer(bytes: number): string[] {
  return ["/bin/sh", "-c", `head -c ${bytes} /dev/zero | tr '\\0' a`];
}

async function ptyMBps(bytes: number): Promise<number> {
  const reg = new SessionRegistry({
    maxSessions: 1,
    bufferBytes: 256 * 1024,
    idleTimeoutMs: 600_000,
    maxLifetimeMs: 0,
    reapIntervalMs: 0,
  });
  try {
    const t = performance.now();
    const s = reg.add(
      spawnLocalPty(producer(bytes), { env: buildChildEnv(), cols: 120, rows: 40 }),
    );
    await s.ended;
    const ms = performance.now() - t;
    if (s.log.produced !== bytes) {
      throw new Error(`PTY delivered ${s.log.produced} of ${bytes} bytes`);
    }
    return bytes / 1e6 / (ms / 1000);
  } finally {
    await reg.closeAll();
  }
}

async function pipeMBps(bytes: number): Promise<number> {
  const t = performance.now();
  const [cmd, ...args] = producer(bytes);
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).spawn();
  let n = 0;
  for await (const chunk of child.stdout) n += chunk.length;
  await child.status;
  const ms = performance.now() - t;
  if (n !== bytes) throw new Error(`pipe delivered ${n} of ${bytes} bytes`);
  return bytes / 1e6 / (ms / 1000);
}

async function throughput(bytes = 100_000_000, rounds = 5): Promise<Comparison> {
  const pty: number[] = [];
  const pipe: number[] = [];
  for (let i = 0; i < rounds; i++) {
    pty.push(await ptyMBps(bytes));
    pipe.push(await pipeMBps(bytes));
  }
  const subject = median(pty);
  return {
    name: `PTY output into a session ring buffer, ${bytes / 1e6} MB (median of ${rounds})`,
    subject,
    baseline: median(pipe),
    unit: "MB/s",
    baselineName: "the same bytes through a plain pipe (Deno.Command stdout)",
    target: "at least 49 MB/s (the FFI PTY figure in NOTES)",
    met: subject >= 49,
  };
}

async function execRoundTrip(n = 200): Promise<Comparison> {
  const dir = await Deno.makeTempDir({ prefix: "relay-shell-bench-" });
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-P=relay-shell", "--no-prompt", "main.ts"],
    cwd: ROOT,
    env: { ...Deno.env.toObject(), DENO_NO_UPDATE_CHECK: "1", RELAY_SHELL_STATE_DIR: dir },
    stderr: "ignore",
  });
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(transport);
  try {
    const spawned = await client.callTool({
      name: "shell_spawn",
      arguments: { command: "/bin/bash --norc --noprofile" },
    });
    const id = (spawned.structuredContent as { session_id: string }).session_id;
    const inSession = () =>
      client.callTool({ name: "session_exec", arguments: { session_id: id, command: "true" } });
    const oneShot = () => client.callTool({ name: "shell_exec", arguments: { command: "true" } });
    const a: number[] = [];
    const b: number[] = [];
    for (let round = 0; round < 5; round++) {
      a.push(...await timeRuns(inSession, n / 5, round === 0 ? 10 : 2));
      b.push(...await timeRuns(oneShot, n / 5, round === 0 ? 10 : 2));
    }
    await client.callTool({ name: "session_kill", arguments: { session_id: id } });
    const subject = median(a);
    const baseline = median(b);
    return {
      name: `session_exec "true" round trip over MCP stdio (median of ${n})`,
      subject,
      baseline,
      unit: "ms",
      baselineName: 'shell_exec "true" over the same connection',
      target: "no slower than shell_exec (no process to spawn)",
      met: subject <= baseline,
    };
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Runs both comparisons. */
export async function run(): Promise<Comparison[]> {
  return [await throughput(), await execRoundTrip()];
}
