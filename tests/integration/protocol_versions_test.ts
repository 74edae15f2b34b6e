/** Raw JSON-RPC over stdio: each 2025-era protocol revision is negotiated and served. */
import assert from "node:assert/strict";
import { integrationTest, makeState, ROOT } from "../helpers/server.ts";

async function session(
  version: string,
): Promise<{ init: Record<string, unknown>; call: Record<string, unknown> }> {
  const st = await makeState();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "start"],
    cwd: ROOT,
    env: st.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const w = child.stdin.getWriter();
  const send = (m: unknown) => w.write(new TextEncoder().encode(JSON.stringify(m) + "\n"));
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const next = async (): Promise<Record<string, unknown>> => {
    for (;;) {
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        return JSON.parse(line);
      }
      const { value, done } = await lines.read();
      if (done) throw new Error("server closed stdout");
      buf += value;
    }
  };
  try {
    await send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: version,
        capabilities: {},
        clientInfo: { name: "raw", version: "1" },
      },
    });
    const init = await next();
    await send({ jsonrpc: "2.0", method: "notifications/initialized" });
    await send({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "shell_exec", arguments: { command: "echo raw" } },
    });
    const call = await next();
    return { init, call };
  } finally {
    await w.close();
    lines.releaseLock();
    await child.stdout.cancel().catch(() => {});
    await child.status;
    await st.cleanup();
  }
}

for (const version of ["2025-06-18", "2025-11-25"]) {
  integrationTest(`stdio server negotiates and serves protocol ${version}`, async () => {
    const { init, call } = await session(version);
    const result = init.result as Record<string, unknown>;
    assert.equal(result.protocolVersion, version);
    assert.equal((result.serverInfo as Record<string, unknown>).name, "relay-shell");
    assert.match(String(result.instructions), /shell_exec/);
    const r = call.result as Record<string, unknown>;
    assert.equal((r.structuredContent as Record<string, unknown>).output, "raw\n");
  });
}
