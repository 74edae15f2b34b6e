/**
 * `shell_exec` round trip through MCP stdio (a real client, the real server under its permission
 * set) against a bare `Deno.Command` spawn of the same command, measured in the same run.
 */
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { type Comparison, median } from "./_stats.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const WARMUP = 600;

/** Runs the comparison. */
export async function run(n = 300): Promise<Comparison[]> {
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
    const viaMcp = () => client.callTool({ name: "shell_exec", arguments: { command: "true" } });
    const bare = () =>
      new Deno.Command("/bin/sh", { args: ["-c", "true"], stdout: "piped", stderr: "piped" })
        .output();
    // A server runs for hours: measure it warm. V8 needs a few hundred calls to tier up the
    // request path (measured: +3.0 ms over bare in the first 250 calls, +1.3 ms from ~500 on).
    for (let i = 0; i < WARMUP; i++) {
      await viaMcp();
      await bare();
    }
    // Interleave the two call by call so machine noise hits both alike.
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < n; i++) {
      let t = performance.now();
      await viaMcp();
      a.push(performance.now() - t);
      t = performance.now();
      await bare();
      b.push(performance.now() - t);
    }
    const subject = median(a);
    const baseline = median(b);
    return [{
      name:
        `shell_exec "true" round trip over MCP stdio (median of ${n}, after ${WARMUP} warm-up calls)`,
      subject,
      baseline,
      unit: "ms",
      baselineName: "bare Deno.Command spawn of /bin/sh -c true",
      target: "MCP path adds at most 2 ms to the median",
      met: subject - baseline <= 2,
    }];
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
