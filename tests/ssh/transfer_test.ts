/**
 * sshUpload()/sshDownload() against a real sshd, with both engines: trees with modes, symlinks,
 * unicode and spaces round-trip with verify; 200 MB with matching checksums; permission denied
 * half-way gives a precise partial report; overwrite: false; cancellation and timeout remove
 * the partial file; the OpenSSH engine pins the verified host key and keeps secrets off argv.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  OpenSshEngine,
  type ResolvedTarget,
  sshDownload,
  sshExec,
  sshUpload,
  TransferError,
  type TransferOptions,
} from "../../lib/ssh/mod.ts";
import { type SshdHarness, startSshd } from "../helpers/sshd.ts";
import { asRoot } from "../helpers/sshd_users.ts";
import { allCmdlines, entryFor, type SshTestEnv, sshTestEnv, until } from "./_env.ts";

const ENGINES = ["ssh2", "openssh"] as const;

async function remote(env: SshTestEnv, t: ResolvedTarget, command: string): Promise<string> {
  const r = await sshExec(t, { pool: env.pool, command, timeoutMs: 30_000, maxOutput: 1 << 20 });
  assert.equal(r.exitCode, 0, `${command}: ${r.stdout.text}`);
  return r.stdout.text;
}

async function setup(sshd: SshdHarness, auth: "ed25519" | "password" = "ed25519") {
  const env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, auth) },
    vars: { RSTEST_PW: sshd.users.password.password },
  });
  const t = env.resolver.resolveTarget("web");
  const rdir = (await remote(env, t, 'mktemp -d "$HOME/rs-xfer.XXXXXX"')).trim();
  const local = await Deno.makeTempDir({ prefix: "rs-xfer-" });
  return {
    env,
    t,
    rdir,
    local,
    opts: (o: Partial<TransferOptions>): TransferOptions => ({
      pool: env.pool,
      target: t,
      localPath: "",
      remotePath: "",
      ...o,
    }),
    async [Symbol.asyncDispose]() {
      await remote(env, t, `chmod -R u+rwx ${rdir}; rm -rf ${rdir}`).catch(() => {});
      await env.dispose();
      await Deno.remove(local, { recursive: true }).catch(() => {});
    },
  };
}

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Builds the fixture tree; returns its files (relative path -> [mode, content]). */
async function makeTree(root: string): Promise<Map<string, [number, Uint8Array]>> {
  const files = new Map<string, [number, Uint8Array]>([
    ["a b.txt", [0o640, new TextEncoder().encode("hello world\n")]],
    ["ünïcødé dir/ファイル 1.bin", [0o755, bytes(700_000, 7)]],
    ["ünïcødé dir/deep/empty.txt", [0o600, new Uint8Array(0)]],
    ["ro.txt", [0o444, bytes(5000, 3)]],
  ]);
  await Deno.mkdir(`${root}/ünïcødé dir/deep`, { recursive: true });
  await Deno.mkdir(`${root}/empty dir`);
  await Deno.chmod(`${root}/empty dir`, 0o750);
  for (const [rel, [mode, data]] of files) {
    await Deno.writeFile(`${root}/${rel}`, data);
    await Deno.chmod(`${root}/${rel}`, mode);
    await Deno.utime(`${root}/${rel}`, 1_600_000_000, 1_600_000_000);
  }
  await Deno.symlink("/etc/passwd", `${root}/escape link`);
  await Deno.symlink("ünïcødé dir", `${root}/dir link`);
  return files;
}

async function sha(path: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

async function listParts(env: SshTestEnv, t: ResolvedTarget, dir: string): Promise<string> {
  return (await remote(env, t, `find ${dir} -name '*.part' 2>/dev/null; true`)).trim();
}

for (const engine of ENGINES) {
  Deno.test(`sshUpload()/sshDownload() [${engine}] round-trip a tree with modes, symlinks, unicode and spaces, verified`, async () => {
    await using sshd = await startSshd({ agent: false });
    await using s = await setup(sshd);
    const src = `${s.local}/src tree`;
    await Deno.mkdir(src);
    const files = await makeTree(src);
    const up = await sshUpload(s.opts({
      localPath: src,
      remotePath: `${s.rdir}/up`,
      recursive: true,
      verify: true,
      engine,
      openSshMinBytes: 0,
    }));
    assert.equal(up.files, files.size);
    assert.equal(up.bytes, [...files.values()].reduce((n, [, d]) => n + d.length, 0));
    assert.deepEqual(up.engines, [engine]);
    assert.ok(up.verified);
    assert.deepEqual(
      up.skipped.map((k) => [k.path, k.reason]).sort(),
      [[`${src}/dir link`, "symlink (not followed)"], [
        `${src}/escape link`,
        "symlink (not followed)",
      ]],
    );
    const listing = await remote(
      s.env,
      s.t,
      `cd ${s.rdir}/up && find . -mindepth 1 -printf '%y %m %s %P\\n' | LC_ALL=C sort`,
    );
    assert.ok(listing.includes("f 640 12 a b.txt"), listing);
    assert.ok(listing.includes("f 755 700000 ünïcødé dir/ファイル 1.bin"), listing);
    assert.ok(listing.includes("f 444 5000 ro.txt"), listing);
    assert.ok(listing.includes("d 750 0 empty dir") || /d 750 \d+ empty dir/.test(listing));
    assert.ok(!listing.includes("link"), listing);
    assert.ok(!listing.includes(".part"), listing);
    const mtime = await remote(s.env, s.t, `stat -c %Y ${s.rdir}/up/ro.txt`);
    assert.equal(mtime.trim(), "1600000000");

    const back = `${s.local}/back`;
    const down = await sshDownload(s.opts({
      localPath: back,
      remotePath: `${s.rdir}/up`,
      recursive: true,
      verify: true,
      engine,
      openSshMinBytes: 0,
    }));
    assert.equal(down.files, files.size);
    assert.deepEqual(down.skipped, []);
    for (const [rel, [mode, data]] of files) {
      const st = await Deno.stat(`${back}/${rel}`);
      assert.equal(st.mode! & 0o7777, mode, rel);
      assert.equal(Math.floor(st.mtime!.getTime() / 1000), 1_600_000_000, rel);
      assert.equal(await sha(`${back}/${rel}`), createHash("sha256").update(data).digest("hex"));
    }
    assert.equal((await Deno.stat(`${back}/empty dir`)).mode! & 0o7777, 0o750);
    await assert.rejects(Deno.lstat(`${back}/escape link`), Deno.errors.NotFound);
  });
}

Deno.test("sshUpload()/sshDownload() move 200 MB with matching checksums (fast engine)", async () => {
  await using sshd = await startSshd({ agent: false });
  await using s = await setup(sshd);
  const big = `${s.local}/big.bin`;
  const gen = await new Deno.Command("sh", {
    args: ["-c", `head -c 209715200 /dev/urandom > '${big}'`],
  }).output();
  assert.ok(gen.success);
  const want = await sha(big);
  const up = await sshUpload(s.opts({ localPath: big, remotePath: `${s.rdir}/`, verify: true }));
  assert.equal(up.bytes, 209_715_200);
  assert.deepEqual(up.engines, ["openssh"], "auto picks the system client for a large file");
  assert.equal(up.done[0].sha256, want);
  assert.equal(up.destination, `${s.rdir}/big.bin`);
  const remoteSum = await remote(s.env, s.t, `sha256sum ${s.rdir}/big.bin`);
  assert.equal(remoteSum.split(" ")[0], want);
  const down = await sshDownload(s.opts({
    localPath: `${s.local}/back.bin`,
    remotePath: `${s.rdir}/big.bin`,
    verify: true,
  }));
  assert.equal(down.bytes, 209_715_200);
  assert.deepEqual(down.engines, ["openssh"]);
  assert.equal(await sha(`${s.local}/back.bin`), want);
});

for (const engine of ENGINES) {
  Deno.test(`sshUpload() [${engine}] stops at permission denied half-way with a precise partial report`, async () => {
    await using sshd = await startSshd({ agent: false });
    await using s = await setup(sshd);
    const src = `${s.local}/t`;
    for (const d of ["a", "b", "c"]) {
      await Deno.mkdir(`${src}/${d}`, { recursive: true });
      await Deno.writeFile(`${src}/${d}/${d}1.bin`, bytes(100_000, d.charCodeAt(0)));
    }
    await remote(s.env, s.t, `mkdir -p ${s.rdir}/dest/b && chmod 000 ${s.rdir}/dest/b`);
    const err = await sshUpload(s.opts({
      localPath: src,
      remotePath: `${s.rdir}/dest`,
      recursive: true,
      engine,
      openSshMinBytes: 0,
    })).catch((e) => e);
    assert.ok(err instanceof TransferError, String(err));
    assert.deepEqual(err.done.map((d) => d.path), [`${s.rdir}/dest/a/a1.bin`]);
    assert.equal(err.bytes, 100_000);
    assert.equal(err.failed?.path, `${src}/b/b1.bin`);
    assert.match(err.failed!.reason, /permission denied/i);
    assert.deepEqual(err.notAttempted, [`${src}/c/c1.bin`]);
    assert.match(err.message, /Upload failed at .*b1\.bin: .*permission denied/i);
    await remote(s.env, s.t, `chmod 755 ${s.rdir}/dest/b`);
    assert.equal(await listParts(s.env, s.t, s.rdir), "");
    assert.equal(
      (await remote(s.env, s.t, `cd ${s.rdir}/dest && find . -type f | sort`)).trim(),
      "./a/a1.bin",
    );
  });
}

Deno.test("sshDownload() stops at an unreadable remote file and reports what was and was not copied", async () => {
  await using sshd = await startSshd({ agent: false });
  await using s = await setup(sshd);
  await remote(
    s.env,
    s.t,
    `cd ${s.rdir} && mkdir t && for f in 1 2 3; do echo $f > t/f$f; done && chmod 000 t/f2`,
  );
  const dest = `${s.local}/d`;
  const err = await sshDownload(s.opts({
    localPath: dest,
    remotePath: `${s.rdir}/t`,
    recursive: true,
  })).catch((e) => e);
  assert.ok(err instanceof TransferError, String(err));
  assert.deepEqual(err.done.map((d) => d.path), [`${dest}/f1`]);
  assert.equal(err.failed?.path, `${s.rdir}/t/f2`);
  assert.match(err.failed!.reason, /permission denied/i);
  assert.deepEqual(err.notAttempted, [`${s.rdir}/t/f3`]);
  assert.deepEqual([...Deno.readDirSync(dest)].map((e) => e.name), ["f1"]);
});

Deno.test("sshUpload()/sshDownload() with overwrite: false refuse before moving anything", async () => {
  await using sshd = await startSshd({ agent: false });
  await using s = await setup(sshd);
  const src = `${s.local}/t`;
  await Deno.mkdir(src);
  await Deno.writeTextFile(`${src}/new.txt`, "new");
  await Deno.writeTextFile(`${src}/old.txt`, "mine");
  await remote(s.env, s.t, `mkdir ${s.rdir}/d && echo theirs > ${s.rdir}/d/old.txt`);
  await assert.rejects(
    sshUpload(s.opts({
      localPath: src,
      remotePath: `${s.rdir}/d`,
      recursive: true,
      overwrite: false,
    })),
    (e: Error) =>
      e instanceof TypeError && /remote_path: 1 destination file.*old\.txt/.test(e.message),
  );
  assert.equal((await remote(s.env, s.t, `ls ${s.rdir}/d`)).trim(), "old.txt");
  assert.equal((await remote(s.env, s.t, `cat ${s.rdir}/d/old.txt`)).trim(), "theirs");
  await Deno.writeTextFile(`${s.local}/exists.txt`, "keep");
  await assert.rejects(
    sshDownload(s.opts({
      localPath: `${s.local}/exists.txt`,
      remotePath: `${s.rdir}/d/old.txt`,
      overwrite: false,
    })),
    /local_path: 1 destination file/,
  );
  assert.equal(await Deno.readTextFile(`${s.local}/exists.txt`), "keep");
  // Overwrite (the default) replaces atomically.
  const r = await sshDownload(s.opts({
    localPath: `${s.local}/exists.txt`,
    remotePath: `${s.rdir}/d/old.txt`,
  }));
  assert.equal(r.files, 1);
  assert.deepEqual(r.engines, ["ssh2"], "auto keeps small files on the pooled connection");
  assert.equal(await Deno.readTextFile(`${s.local}/exists.txt`), "theirs\n");
});

for (const engine of ENGINES) {
  for (const how of ["cancel", "timeout"] as const) {
    Deno.test(`sshUpload()/sshDownload() [${engine}] ${how} stops the transfer and removes the partial file`, async () => {
      await using sshd = await startSshd({ agent: false });
      await using s = await setup(sshd);
      const big = `${s.local}/big.bin`;
      await new Deno.Command("sh", {
        args: ["-c", `head -c 400M /dev/zero > '${big}'`],
      }).output();
      for (const up of [true, false]) {
        if (!up) {
          await remote(s.env, s.t, `head -c 400M /dev/zero > ${s.rdir}/big.bin`);
        }
        const ctl = new AbortController();
        let progressed = 0;
        const started = performance.now();
        const p = (up ? sshUpload : sshDownload)(s.opts({
          localPath: up ? big : `${s.local}/down.bin`,
          remotePath: up ? `${s.rdir}/up.bin` : `${s.rdir}/big.bin`,
          engine,
          openSshMinBytes: 0,
          progressIntervalMs: 20,
          signal: ctl.signal,
          timeoutMs: how === "timeout" ? 400 : 0,
          onProgress: (pr) => {
            progressed = pr.bytes;
            if (how === "cancel" && pr.bytes > 0) ctl.abort();
          },
        }));
        const err = await p.catch((e) => e);
        assert.ok(err instanceof TransferError, String(err));
        assert.equal(how === "cancel" ? err.cancelled : err.timedOut, true);
        assert.ok(progressed < 400 << 20, `stopped early (progress ${progressed})`);
        if (how === "cancel") assert.ok(progressed > 0);
        assert.ok(performance.now() - started < 20_000);
        assert.equal(err.done.length, 0);
        if (up) {
          assert.equal(await listParts(s.env, s.t, s.rdir), "");
          assert.equal((await remote(s.env, s.t, `ls ${s.rdir}`)).trim(), "");
        } else {
          assert.deepEqual([...Deno.readDirSync(s.local)].map((e) => e.name), ["big.bin"]);
        }
      }
      // No ssh client left running.
      await until(() => !allCmdlines().some((c) => c.includes(s.rdir) && /\bssh\b/.test(c)));
    });
  }
}

Deno.test("OpenSshEngine pins the verified host key, authenticates by password through askpass, and keeps the secret off argv", async () => {
  await using sshd = await startSshd({ agent: false });
  const pw = sshd.users.password.password;
  // The test users are machine-wide and another test process may have set a new password: ours.
  await asRoot(["chpasswd"], `${sshd.users.password.user}:${pw}\n`);
  await using s = await setup(sshd, "password");
  const src = `${s.local}/f.bin`;
  await Deno.writeFile(src, bytes(6 << 20, 11));
  let sawSecret = false;
  const watch = setInterval(() => {
    if (allCmdlines().some((c) => c.includes(pw))) sawSecret = true;
  }, 10);
  try {
    const r = await sshUpload(
      s.opts({ localPath: src, remotePath: `${s.rdir}/f.bin`, verify: true }),
    );
    assert.deepEqual(r.engines, ["openssh"]);
    assert.ok(r.verified);
  } finally {
    clearInterval(watch);
  }
  assert.ok(!sawSecret, "the password appeared on a command line");
  const conn = s.env.pool.connectionsTo(s.t)[0];
  const engine = await OpenSshEngine.create(conn, s.env.pool, "/usr/bin/ssh");
  try {
    const argv = engine.argv.join(" ");
    assert.ok(!argv.includes(pw));
    assert.match(argv, /StrictHostKeyChecking=yes/);
    assert.match(argv, /HostKeyAlias=relay-shell-pinned/);
    assert.match(argv, /-F \/dev\/null/);
    const known = /UserKnownHostsFile=(\S+)/.exec(argv)![1];
    const text = await Deno.readTextFile(known);
    assert.equal(text.trim().split("\n").length, 1, "exactly one pinned key");
    const line = text.trim().split(" ");
    assert.ok(
      sshd.hostKeys.some((k) => k.publicLine.split(" ")[1] === line[2]),
      "the pinned key is the server's",
    );
    // A server presenting another key is refused by the system client too.
    await sshd.restart({ newHostKeys: true });
    await assert.rejects(
      engine.put(src, `${s.rdir}/never.bin`, {
        size: 1,
        sizeOf: () => Promise.resolve(0),
        onBytes: () => {},
        signal: new AbortController().signal,
      }),
      /Host key verification failed/,
    );
  } finally {
    await engine.dispose();
  }
});
