/**
 * ssh_upload and ssh_download through the real stdio server and an MCP client, against a real
 * sshd, with both engines: round-trip with verify, skipped symlinks, audit with the effective
 * connection and the paths, the partial report of a failure half-way, progress notifications and
 * cancellation removing the partial file.
 */
import assert from "node:assert/strict";
import { integrationTest, readAudit, textOf, waitFor } from "../helpers/server.ts";
import { edEntry, startSshStdio } from "../helpers/ssh_server.ts";
import { type SshdHarness, startSshd } from "../helpers/sshd.ts";

async function serverFor(sshd: SshdHarness, engine: string) {
  const { s, dir, close } = await startSshStdio({ web: edEntry(sshd) }, [sshd], {
    RELAY_SHELL_TRANSFER_ENGINE: engine,
  });
  const exec = async (command: string) => {
    const r = await s.client.callTool({ name: "ssh_exec", arguments: { host: "web", command } });
    assert.equal(r.structuredContent?.exit_code, 0, textOf(r));
    return (r.structuredContent?.output as string).trim();
  };
  const rdir = await exec(`mktemp -d "$HOME/rs-xfer-int.XXXXXX"`);
  return {
    s,
    dir,
    rdir,
    exec,
    async [Symbol.asyncDispose]() {
      await exec(`chmod -R u+rwx ${rdir}; rm -rf ${rdir}`).catch(() => {});
      await close();
    },
  };
}

for (const engine of ["ssh2", "openssh"]) {
  integrationTest(
    `ssh_upload/ssh_download [${engine}]: verified round-trip, skipped symlinks, audit`,
    async () => {
      await using sshd = await startSshd({ agent: false });
      await using srv = await serverFor(sshd, engine);
      const c = srv.s.client;
      const src = `${srv.dir}/src`;
      await Deno.mkdir(`${src}/sub dir`, { recursive: true });
      // 5 MiB: over the auto threshold, so the openssh engine moves it.
      await Deno.writeFile(`${src}/sub dir/ü.bin`, crypto.getRandomValues(new Uint8Array(65536)));
      await Deno.writeFile(`${src}/big.bin`, new Uint8Array(5 << 20).fill(7));
      await Deno.chmod(`${src}/big.bin`, 0o751);
      await Deno.symlink("/etc", `${src}/out`);
      const up = await c.callTool({
        name: "ssh_upload",
        arguments: {
          host: "web",
          local_path: src,
          remote_path: `${srv.rdir}/tree`,
          recursive: true,
          verify: true,
        },
      });
      assert.equal(up.isError, undefined, textOf(up));
      const sc = up.structuredContent as Record<string, unknown>;
      assert.equal(sc.files, 2);
      assert.equal(sc.bytes, (5 << 20) + 65536);
      assert.equal(sc.verified, true);
      assert.deepEqual(sc.skipped, [{ path: `${src}/out`, reason: "symlink (not followed)" }]);
      assert.ok((sc.engines as string[]).includes(engine === "openssh" ? "openssh" : "ssh2"));
      assert.match(textOf(up), /^uploaded .* -> web:.*\/tree: 2 file\(s\), .*SHA-256 verified/);
      assert.match(textOf(up), /skipped 1: .*out \(symlink \(not followed\)\)/);
      assert.equal(await srv.exec(`stat -c %a ${srv.rdir}/tree/big.bin`), "751");

      const down = await c.callTool({
        name: "ssh_download",
        arguments: {
          host: "web",
          remote_path: `${srv.rdir}/tree`,
          local_path: `${srv.dir}/back`,
          recursive: true,
          verify: true,
        },
      });
      assert.equal(down.isError, undefined, textOf(down));
      assert.equal((down.structuredContent as Record<string, unknown>).files, 2);
      assert.deepEqual(
        await Deno.readFile(`${srv.dir}/back/sub dir/ü.bin`),
        await Deno.readFile(`${src}/sub dir/ü.bin`),
      );
      assert.equal((await Deno.stat(`${srv.dir}/back/big.bin`)).mode! & 0o777, 0o751);

      const audit = await readAudit(srv.s.state.auditPath);
      const rec = audit.find((a) => a.tool === "ssh_upload")!;
      const args = rec.args as Record<string, unknown>;
      assert.equal(rec.tier, 2);
      assert.equal(args.host, "web");
      assert.equal(args.user, "rstest-ed");
      assert.equal(args.port, sshd.port);
      assert.equal(args.local_path, src);
      assert.equal(args.remote_path, `${srv.rdir}/tree`);
      assert.equal(args.verify, true);
      assert.equal(args.overwrite, true);
      const dl = audit.find((a) => a.tool === "ssh_download")!;
      assert.equal(dl.tier, 1);
    },
  );

  integrationTest(
    `ssh_upload [${engine}]: progress notifications, then cancellation removes the .part file`,
    async () => {
      await using sshd = await startSshd({ agent: false });
      await using srv = await serverFor(sshd, engine);
      const big = `${srv.dir}/big.bin`;
      const gen = await new Deno.Command("sh", {
        args: ["-c", `head -c 1500M /dev/zero > '${big}'`],
      }).output();
      assert.ok(gen.success);
      const ctl = new AbortController();
      const progress: { progress: number; total?: number; message?: string }[] = [];
      const call = srv.s.client.callTool(
        {
          name: "ssh_upload",
          arguments: { host: "web", local_path: big, remote_path: `${srv.rdir}/big.bin` },
        },
        {
          signal: ctl.signal,
          onprogress: (p) => progress.push(p as { progress: number; total?: number }),
        },
      ).catch((e) => e);
      await waitFor(() => progress.length >= 2, 20_000, "two progress notifications");
      await waitFor(
        async () => (await srv.exec(`ls -a ${srv.rdir}`)).includes(".part"),
        5000,
        "the .part file",
      );
      ctl.abort();
      await call;
      await waitFor(
        async () => (await srv.exec(`ls -A ${srv.rdir}`)) === "",
        10_000,
        "the .part file to be removed",
      );
      assert.equal(progress[0].total, 1500 << 20);
      assert.ok(progress[1].progress > progress[0].progress);
      assert.match(progress[0].message ?? "", /^0\/1 files, .* of 1572\.9 MB$/);
      const gaps = progress.slice(1).map((p, i) => p.progress - progress[i].progress);
      assert.ok(gaps.every((g) => g > 0));
      await Deno.remove(big);
    },
  );
}

integrationTest(
  "ssh_upload: permission denied half-way reports what was and was not transferred",
  async () => {
    await using sshd = await startSshd({ agent: false });
    await using srv = await serverFor(sshd, "auto");
    const src = `${srv.dir}/t`;
    for (const d of ["a", "b", "c"]) {
      await Deno.mkdir(`${src}/${d}`, { recursive: true });
      await Deno.writeTextFile(`${src}/${d}/${d}.txt`, d);
    }
    await srv.exec(`mkdir -p ${srv.rdir}/d/b && chmod 000 ${srv.rdir}/d/b`);
    const r = await srv.s.client.callTool({
      name: "ssh_upload",
      arguments: { host: "web", local_path: src, remote_path: `${srv.rdir}/d`, recursive: true },
    });
    assert.equal(r.isError, true);
    const text = textOf(r);
    assert.match(text, /^Upload failed at .*\/t\/b\/b\.txt: .*permission denied\./m);
    assert.match(text, /Transferred before it: 1 file\(s\), 1 B: .*\/d\/a\/a\.txt\./);
    assert.match(text, /Not attempted: 1 file\(s\): .*\/t\/c\/c\.txt\./);
  },
);
