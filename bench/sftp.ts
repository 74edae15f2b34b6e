/**
 * File transfer throughput against OpenSSH in the same run, on a real sshd (the test harness):
 * relay-shell's sshUpload/sshDownload of a 200 MB file (the default engine, `auto`, and the ssh2
 * engine for reference) against `sftp -b` and `scp` with default settings, in interleaved rounds
 * so machine noise hits every side alike. Reports median MB/s and ratios; the target is at least
 * 1.0x of `sftp` both ways (docs/adr/0015-transfer-throughput.md). Needs root or passwordless sudo.
 */
import { HostResolver, sshDownload, SshPool, sshUpload } from "../lib/ssh/mod.ts";
import { edEntry, writeSshClientFiles } from "../tests/helpers/ssh_server.ts";
import { startSshd } from "../tests/helpers/sshd.ts";
import { type Comparison, median } from "./_stats.ts";

const MB = 200;
const SIZE = MB * 1024 * 1024;

/** Runs the comparisons (`rounds` interleaved rounds of every transfer). */
export async function run(rounds = 3): Promise<Comparison[]> {
  const sshd = await startSshd({ agent: false });
  const dir = await Deno.makeTempDir({ prefix: "relay-shell-bench-sftp-" });
  const pool = new SshPool({ maxConns: 4, idleTimeoutMs: 0 });
  const user = sshd.users.ed.user;
  const rdir = `/home/${user}/relay-shell-bench-sftp`;
  try {
    const files = await writeSshClientFiles(dir, { web: edEntry(sshd) }, [sshd]);
    const resolver = new HostResolver({
      sshConfigPath: files.sshConfig,
      inventoryPath: files.inventory,
      env: { HOME: dir },
      home: dir,
    });
    const target = resolver.resolveTarget("web");
    const file = `${dir}/payload.bin`;
    await sh(`head -c ${SIZE} /dev/urandom > '${file}'`);

    // The OpenSSH clients as a user would run them: the harness's options, default ciphers.
    const opts = sshd.sshArgs("ed25519").slice(0, -3); // without -p PORT user@host
    const dest = `${user}@${sshd.host}`;
    const port = String(sshd.port);
    const sftp = (batch: string) => exec("sftp", ["-b", "-", ...opts, "-P", port, dest], batch);
    const scp = (from: string, to: string) => exec("scp", [...opts, "-P", port, from, to]);
    await exec("ssh", [...opts, "-p", port, dest, `mkdir -p ${rdir}`]);

    const cases: Record<string, () => Promise<unknown>> = {
      "relay up": () =>
        sshUpload({ pool, target, localPath: file, remotePath: `${rdir}/relay.bin` }),
      "relay down": () =>
        sshDownload({
          pool,
          target,
          localPath: `${dir}/relay.bin`,
          remotePath: `${rdir}/relay.bin`,
        }),
      "ssh2 up": () =>
        sshUpload({
          pool,
          target,
          localPath: file,
          remotePath: `${rdir}/ssh2.bin`,
          engine: "ssh2",
        }),
      "ssh2 down": () =>
        sshDownload({
          pool,
          target,
          localPath: `${dir}/ssh2.bin`,
          remotePath: `${rdir}/ssh2.bin`,
          engine: "ssh2",
        }),
      "sftp up": () => sftp(`put ${file} ${rdir}/sftp.bin\n`),
      "sftp down": () => sftp(`get ${rdir}/sftp.bin ${dir}/sftp.bin\n`),
      "scp up": () => scp(file, `${dest}:${rdir}/scp.bin`),
      "scp down": () => scp(`${dest}:${rdir}/scp.bin`, `${dir}/scp.bin`),
    };
    const rates: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const dir_ of ["up", "down"]) {
        for (const who of ["relay", "sftp", "scp", "ssh2"]) {
          const name = `${who} ${dir_}`;
          if (dir_ === "down") await Deno.remove(`${dir}/${who}.bin`).catch(() => {});
          const t = performance.now();
          await cases[name]();
          const s = (performance.now() - t) / 1000;
          (rates[name] ??= []).push(SIZE / 1e6 / s);
        }
      }
    }
    const m = (k: string) => median(rates[k]);
    const cmp = (name: string, a: string, b: string, target: string, goal: number | null) => ({
      name,
      subject: m(a),
      baseline: m(b),
      unit: "MB/s" as const,
      baselineName: b.split(" ")[0] === "sftp" ? "OpenSSH sftp -b" : "OpenSSH scp",
      target,
      met: goal === null ? true : m(a) / m(b) >= goal,
    });
    return [
      cmp(
        `sshUpload 200 MB (engine auto), ${rounds} rounds`,
        "relay up",
        "sftp up",
        ">= 1.0x sftp",
        1,
      ),
      cmp(`sshDownload 200 MB (engine auto)`, "relay down", "sftp down", ">= 1.0x sftp", 1),
      cmp(`sshUpload 200 MB (engine auto)`, "relay up", "scp up", "reported only", null),
      cmp(`sshDownload 200 MB (engine auto)`, "relay down", "scp down", "reported only", null),
      cmp(`sshUpload 200 MB (engine ssh2)`, "ssh2 up", "sftp up", "reported only (fallback)", null),
      cmp(
        `sshDownload 200 MB (engine ssh2)`,
        "ssh2 down",
        "sftp down",
        "reported only (fallback)",
        null,
      ),
    ];
  } finally {
    await pool.closeAll();
    await sshd.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await sh(`rm -rf '${rdir}'`).catch(() => {});
  }
}

async function sh(script: string): Promise<void> {
  await exec("sh", ["-c", script]);
}

async function exec(cmd: string, args: string[], stdin?: string): Promise<void> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const o = await child.output();
  if (!o.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(o.stderr)}`);
}
