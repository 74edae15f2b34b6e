/**
 * SSH through MCP stdio against OpenSSH in the same run, on a real sshd (the test harness):
 * `ssh_exec` of `true` on a pooled connection against `ssh -o ControlPath=… host true` on an
 * established ControlMaster, and a cold connect (every call a new connection: two aliases with
 * different pool keys alternate under RELAY_SHELL_MAX_CONNS=1) against plain `ssh host true`.
 * Needs root or passwordless sudo (the harness runs sshd).
 */
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { HostResolver, sshExec, SshPool } from "../lib/ssh/mod.ts";
import { edEntry, writeSshClientFiles } from "../tests/helpers/ssh_server.ts";
import { startSshd } from "../tests/helpers/sshd.ts";
import { type Comparison, median, timeRuns } from "./_stats.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Blocks of calls per side and round: each side runs back to back, as an agent's calls do. */
const BLOCK = 40;

/** Runs the comparisons. */
export async function run(n = 400, cold = 30): Promise<Comparison[]> {
  const sshd = await startSshd({ agent: false });
  const dir = await Deno.makeTempDir({ prefix: "relay-shell-bench-ssh-" });
  const ctl = `${dir}/cm`;
  try {
    const files = await writeSshClientFiles(dir, {
      web: edEntry(sshd),
      // The same login with another key list: another pool key.
      web2: edEntry(sshd, { identity_file: [sshd.users.ed.path, `${dir}/none`] }),
    }, [sshd]);
    const server = (extra: Record<string, string>) =>
      new StdioClientTransport({
        command: Deno.execPath(),
        args: ["run", "-P=relay-shell", "--no-prompt", "main.ts"],
        cwd: ROOT,
        env: {
          ...Deno.env.toObject(),
          DENO_NO_UPDATE_CHECK: "1",
          RELAY_SHELL_STATE_DIR: dir,
          RELAY_SHELL_SSH_CONFIG: files.sshConfig,
          RELAY_SHELL_INVENTORY: files.inventory,
          ...extra,
        },
        stderr: "ignore",
      });
    const ssh = (extra: string[]) => () =>
      new Deno.Command("ssh", {
        args: [...sshd.sshArgs("ed25519", extra), "true"],
        stdout: "piped",
        stderr: "piped",
        env: sshd.sshEnv("ed25519"),
      }).output().then((o) => {
        if (!o.success) throw new Error(`ssh failed: ${new TextDecoder().decode(o.stderr)}`);
      });

    // Pooled ssh_exec vs ControlMaster.
    const pooled = new Client({ name: "bench", version: "1" });
    await pooled.connect(server({}));
    const master = [
      "-o",
      `ControlPath=${ctl}`,
      "-o",
      "ControlMaster=auto",
      "-o",
      "ControlPersist=120",
    ];
    const a: number[] = [];
    const b: number[] = [];
    try {
      const exec = async () => {
        const r = await pooled.callTool({
          name: "ssh_exec",
          arguments: { host: "web", command: "true" },
        });
        if (r.isError) throw new Error(JSON.stringify(r.content));
      };
      const viaMaster = ssh(master);
      // Measure a warm server, as one runs for hours: V8 tiers the request path up over the first
      // few hundred calls. Then alternate blocks of calls, round after round, so drift in the
      // machine's speed reaches both sides alike. Not call by call: that puts every sample in the
      // wake of the other side's call (an ssh process exiting, the master and sshd closing its
      // channel), which measured +0.75 ms on ssh_exec and +0.37 ms on the ControlMaster side.
      for (let i = 0; i < 400; i++) await exec();
      for (let i = 0; i < 5; i++) await viaMaster();
      for (let round = 0; round < n / BLOCK; round++) {
        a.push(...await timeRuns(exec, BLOCK, 2));
        b.push(...await timeRuns(viaMaster, BLOCK, 2));
      }
    } finally {
      await pooled.close();
      await new Deno.Command("ssh", { args: ["-S", ctl, "-O", "exit", "x"], stderr: "null" })
        .output();
    }

    // The same exec in process (lib/ssh, no MCP, no runner), interleaved with ControlMaster again.
    const resolver = new HostResolver({
      sshConfigPath: files.sshConfig,
      inventoryPath: files.inventory,
      env: { HOME: dir },
      home: dir,
    });
    const pool = new SshPool({ maxConns: 4, idleTimeoutMs: 0 });
    const e: number[] = [];
    const f: number[] = [];
    try {
      const target = resolver.resolveTarget("web");
      const lib = () =>
        sshExec(target, { pool, command: "true", timeoutMs: 10_000, maxOutput: 65536 });
      const viaMaster = ssh(master);
      for (let round = 0; round < n / BLOCK; round++) {
        e.push(...await timeRuns(lib, BLOCK, round === 0 ? 10 : 2));
        f.push(...await timeRuns(viaMaster, BLOCK, round === 0 ? 3 : 2));
      }
    } finally {
      await pool.closeAll();
      await new Deno.Command("ssh", { args: ["-S", ctl, "-O", "exit", "x"], stderr: "null" })
        .output();
    }

    // Cold connects: MAX_CONNS=1 and two pool keys alternating, so every call connects afresh.
    const coldClient = new Client({ name: "bench", version: "1" });
    await coldClient.connect(server({ RELAY_SHELL_MAX_CONNS: "1" }));
    const c: number[] = [];
    const d: number[] = [];
    try {
      let flip = false;
      const coldExec = async () => {
        flip = !flip;
        const r = await coldClient.callTool({
          name: "ssh_exec",
          arguments: { host: flip ? "web" : "web2", command: "true" },
        });
        if (r.isError) throw new Error(JSON.stringify(r.content));
      };
      const plain = ssh(["-o", "ControlMaster=no", "-o", "ControlPath=none"]);
      for (let round = 0; round < 3; round++) {
        c.push(...await timeRuns(coldExec, cold / 3, round === 0 ? 2 : 0));
        d.push(...await timeRuns(plain, cold / 3, round === 0 ? 2 : 0));
      }
    } finally {
      await coldClient.close();
    }
    const pooledMs = median(a);
    const masterMs = median(b);
    const libMs = median(e);
    const master2Ms = median(f);
    const coldMs = median(c);
    const plainMs = median(d);
    return [
      {
        name: `ssh_exec "true" on a pooled connection over MCP stdio (median of ${n})`,
        subject: pooledMs,
        baseline: masterMs,
        unit: "ms",
        baselineName: "ssh -o ControlPath=… host true (ControlMaster established)",
        target: "at most 0.5x the ControlMaster median",
        met: pooledMs <= 0.5 * masterMs,
      },
      {
        name: `lib/ssh sshExec "true" on a pooled connection, in process (median of ${n})`,
        subject: libMs,
        baseline: master2Ms,
        unit: "ms",
        baselineName: "ssh -o ControlPath=… host true (ControlMaster established)",
        target: "at most 0.5x the ControlMaster median (the SSH part alone)",
        met: libMs <= 0.5 * master2Ms,
      },
      {
        name: `ssh_exec "true" with a cold connect over MCP stdio (median of ${cold})`,
        subject: coldMs,
        baseline: plainMs,
        unit: "ms",
        baselineName: "plain ssh host true (new process and connection)",
        target: "no slower than plain ssh",
        met: coldMs <= plainMs,
      },
    ];
  } finally {
    await sshd.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
