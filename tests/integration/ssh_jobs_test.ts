/**
 * Issue 6 over SSH, end to end through the real stdio server and a real sshd on this machine (so
 * "the remote host" is this host: its process table shows the remote processes): remote jobs
 * (window, follow, page from the spool, job_end), killing a remote job's whole tree, cancelling a
 * foreground ssh_exec, secrets through the stdin wrapper and PTY builtins, and sudo.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { watchCmdlines } from "../helpers/cmdline_watch.ts";
import { pidsMatching } from "../helpers/proc.ts";
import { readAudit, textOf, waitFor } from "../helpers/server.ts";
import { edEntry, startSshStdio } from "../helpers/ssh_server.ts";
import { type SshdHarness, startSshd } from "../helpers/sshd.ts";
import { acquireSudoUser, canManageUsers, SUDO_TEST_USER } from "../helpers/sudo_user.ts";

function web(sshd: SshdHarness, extra: Record<string, unknown> = {}) {
  return { web: edEntry(sshd, extra) };
}

const FILL = "y".repeat(600);

function expected20(): string {
  let s = "";
  for (let i = 1; i <= 20; i++) s += `tick ${String(i).padStart(2, "0")} ${FILL}\n`;
  return s;
}

const marker = (base: number) => `sleep ${base + Math.floor(Math.random() * 999_999)}`;

Deno.test("ssh_exec: a 20 s remote job with a 2 s window is followed to its exit and paged from the spool", async () => {
  await using sshd = await startSshd({ agent: false });
  const srv = await startSshStdio(web(sshd), [sshd], { RELAY_SHELL_SESSION_BUFFER_BYTES: "4096" });
  try {
    const c = srv.s.client;
    const command = `for i in $(seq 1 20); do printf 'tick %02d %s\\n' $i ${FILL}; sleep 1; done`;
    const t0 = performance.now();
    const r = await c.callTool({ name: "ssh_exec", arguments: { host: "web", command, wait: 2 } });
    const sc = r.structuredContent!;
    assert.equal(sc.state, "running", textOf(r));
    assert.ok(performance.now() - t0 < 10_000, "returned at the window");
    const id = sc.session_id as string;
    assert.match(id, /^job-/);
    assert.match(String(sc.output), /^tick 01 /);
    const list = await c.callTool({ name: "session_list", arguments: {} });
    assert.match(textOf(list), new RegExp(`"id":"${id}","kind":"job"`));

    let cursor = sc.output_bytes as number;
    let followed = String(sc.output);
    let state = "running";
    let reads = 0;
    while (state === "running") {
      const f = await c.callTool({
        name: "session_recv",
        arguments: { session_id: id, cursor, timeout: 10, max_bytes: 100_000 },
      });
      const fc = f.structuredContent!;
      assert.equal(fc.cursor_start, cursor, "no byte skipped or repeated");
      followed += String(fc.data);
      cursor = fc.cursor_end as number;
      state = fc.state as string;
      reads++;
    }
    const all = expected20();
    assert.ok(reads >= 3, `followed in ${reads} reads`);
    assert.equal(followed, all);
    const p0 = await c.callTool({
      name: "session_recv",
      arguments: { session_id: id, cursor: 0, max_bytes: 1000 },
    });
    assert.equal(p0.structuredContent!.dropped_bytes, 0, "the spool still has byte 0");
    assert.equal(p0.structuredContent!.data, all.slice(0, 1000));
    const mid = await c.callTool({
      name: "session_recv",
      arguments: { session_id: id, cursor: 5000, max_bytes: 610, format: "raw" },
    });
    assert.equal(mid.structuredContent!.data, all.slice(5000, 5610));

    await waitFor(
      async () => (await readAudit(srv.s.state.auditPath)).some((a) => a.action === "job_end"),
      5000,
      "job_end",
    );
    const end = (await readAudit(srv.s.state.auditPath)).filter((a) => a.action === "job_end");
    assert.equal(end.length, 1);
    assert.equal(end[0].tool, "ssh_exec");
    assert.equal(end[0].exit_code, 0);
    assert.equal(end[0].host, "web");
    assert.equal(end[0].output_len, all.length);
    assert.equal(end[0].output_sha256, createHash("sha256").update(all).digest("hex"));
    assert.equal(Deno.readTextFileSync(`${srv.s.state.dir}/jobs/${id}.out`), all);
  } finally {
    await srv.close();
  }
});

Deno.test("ssh_exec: session_kill leaves no process of a remote job's tree; a cancelled call kills its remote process", async () => {
  await using sshd = await startSshd({ agent: false });
  const srv = await startSshStdio(web(sshd), [sshd]);
  try {
    const c = srv.s.client;
    const m = marker(6_100_000);
    const r = await c.callTool({
      name: "ssh_exec",
      arguments: {
        host: "web",
        command: `sh -c '${m} & ${m}; true' & (trap '' TERM; ${m}) & ${m}`,
        background: true,
      },
    });
    assert.equal(r.structuredContent!.state, "running", textOf(r));
    await waitFor(() => pidsMatching(m).length >= 4, 10_000, "the remote tree");
    const k = await c.callTool({
      name: "session_kill",
      arguments: { session_id: r.structuredContent!.session_id },
    });
    assert.equal(k.structuredContent!.closed, true, textOf(k));
    await waitFor(() => pidsMatching(m).length === 0, 10_000, "no remote process to survive");
    await waitFor(
      async () => (await readAudit(srv.s.state.auditPath)).some((a) => a.action === "job_end"),
      5000,
      "job_end",
    );
    const end = (await readAudit(srv.s.state.auditPath)).find((a) => a.action === "job_end")!;
    assert.equal(end.killed, true);

    // A foreground call, cancelled by the client: its remote process tree is killed.
    const f = marker(6_200_000);
    const ctl = new AbortController();
    const progress: { progress: number; message?: string }[] = [];
    const call = c.callTool(
      { name: "ssh_exec", arguments: { host: "web", command: `echo remote wait; ${f} & ${f}` } },
      { signal: ctl.signal, onprogress: (p) => progress.push(p as { progress: number }) },
    ).catch((e) => e);
    await waitFor(() => pidsMatching(f).length >= 2, 10_000, "the remote sleeps");
    await waitFor(() => progress.length >= 2, 10_000, "two progress notifications");
    ctl.abort();
    await call;
    await waitFor(() => pidsMatching(f).length === 0, 10_000, "the cancelled process to die");
    assert.match(
      progress.at(-1)?.message ?? "",
      /12 bytes of output so far; last line: remote wait/,
    );
  } finally {
    await srv.close();
  }
});

Deno.test("secrets over SSH: a host-scoped secret reaches ssh_exec through stdin and ssh_spawn through builtins, never argv, output or audit", async () => {
  await using sshd = await startSshd({ agent: false });
  const srv = await startSshStdio(web(sshd), [sshd]);
  try {
    const c = srv.s.client;
    const value = `tok-${crypto.randomUUID()}`;
    await Deno.writeTextFile(`${srv.dir}/app.env`, `RS_TOKEN=${value}\n`, { mode: 0o600 });
    await Deno.writeTextFile(`${srv.dir}/token.txt`, `${value}\n`);
    await Deno.chmod(srv.dir, 0o755);
    await Deno.chmod(`${srv.dir}/token.txt`, 0o644);
    const load = await c.callTool({
      name: "secrets_load",
      arguments: { path: `${srv.dir}/app.env`, scope: "host:web" },
    });
    assert.deepEqual(load.structuredContent!.names, ["RS_TOKEN"], textOf(load));

    const watch = watchCmdlines([value]);
    const r = await c.callTool({
      name: "ssh_exec",
      arguments: {
        host: "web",
        command:
          `sleep 1; echo "t=$RS_TOKEN"; env | grep RS_TOKEN; cat ${srv.dir}/token.txt; [ -n "$RS_TOKEN" ] && echo has-it`,
      },
    });
    const bad = await c.callTool({
      name: "ssh_exec",
      arguments: { host: "web", command: "echo x", cwd: `/nonexistent/${value}` },
    });
    const sp = await c.callTool({
      name: "ssh_spawn",
      arguments: { host: "web", command: "/bin/bash --norc --noprofile" },
    });
    const sid = sp.structuredContent!.session_id as string;
    assert.match(textOf(sp), /Secrets set: RS_TOKEN/, textOf(sp));
    const e = await c.callTool({
      name: "session_exec",
      arguments: { session_id: sid, command: 'echo "len=${#RS_TOKEN}"; echo "$RS_TOKEN"' },
    });
    const seen = await watch.stop();
    assert.deepEqual(seen.hits, [], "the value is in no /proc/*/cmdline");
    assert.ok(seen.sweeps > 10);
    assert.equal(r.structuredContent!.exit_code, 0, textOf(r));
    assert.equal(
      r.structuredContent!.output,
      "t=[REDACTED]\nRS_TOKEN=[REDACTED]\n[REDACTED]\nhas-it\n",
    );
    assert.equal(e.structuredContent!.output, `len=${value.length}\n[REDACTED]\n`, textOf(e));
    const raw = await c.callTool({
      name: "session_recv",
      arguments: { session_id: sid, cursor: 0, format: "raw" },
    });
    const audit = await readAudit(srv.s.state.auditPath);
    const everything = JSON.stringify([r, bad, sp, e, raw, audit]) + srv.s.stderr();
    assert.ok(!everything.includes(value), "the value is in no output, error or audit line");
    assert.ok(textOf(bad).includes("[REDACTED]"), textOf(bad));
  } finally {
    await srv.close();
  }
});

Deno.test({
  name:
    "ssh_exec sudo: the inventory's sudo_password_env answers sudo -S; a wrong loaded password fails at once",
  ignore: !canManageUsers,
  async fn() {
    const u = await acquireSudoUser();
    await using sshd = await startSshd({
      agent: false,
      extraConfig: [`AllowUsers ${SUDO_TEST_USER}`],
    });
    await Deno.writeTextFile(
      `${sshd.dir}/authorized_keys/${SUDO_TEST_USER}`,
      `${sshd.users.ed.publicLine}\n`,
      { mode: 0o644 },
    );
    const srv = await startSshStdio(
      {
        box: {
          hostname: sshd.host,
          port: sshd.port,
          user: SUDO_TEST_USER,
          identity_file: sshd.users.ed.path,
          sudo_password_env: "RS_TEST_BOX_SUDO",
        },
      },
      [sshd],
      { RS_TEST_BOX_SUDO: u.password },
    );
    try {
      const c = srv.s.client;
      const watch = watchCmdlines([u.password]);
      const plain = await c.callTool({
        name: "ssh_exec",
        arguments: { host: "box", command: "id -u" },
      });
      assert.notEqual(plain.structuredContent!.output, "0\n", textOf(plain));
      const root = await c.callTool({
        name: "ssh_exec",
        arguments: {
          host: "box",
          command: 'id -u; echo "$RS_E"; pwd; cat',
          env: { RS_E: "exported" },
          cwd: "/tmp",
          stdin: "in\n",
          sudo: true,
        },
      });
      assert.equal(root.structuredContent!.exit_code, 0, textOf(root));
      assert.equal(root.structuredContent!.output, "0\nexported\n/tmp\nin\n");
      assert.deepEqual((await watch.stop()).hits, [], "the password is in no /proc/*/cmdline");

      await Deno.writeTextFile(`${srv.dir}/wrong.env`, "SUDO_PASSWORD=wrong-password-456\n");
      await c.callTool({
        name: "secrets_load",
        arguments: { path: `${srv.dir}/wrong.env`, scope: "host:box" },
      });
      const t0 = performance.now();
      const bad = await c.callTool({
        name: "ssh_exec",
        arguments: { host: "box", command: "echo ran", sudo: true },
      });
      assert.equal(bad.isError, true);
      assert.match(textOf(bad), /sudo: the configured password was rejected/);
      assert.ok(performance.now() - t0 < 15_000, "no hang on a second prompt");

      const audit = await readAudit(srv.s.state.auditPath);
      const sudoCalls = audit.filter((a) => (a.args as Record<string, unknown>)?.sudo === true);
      assert.ok(sudoCalls.length >= 2);
      for (const a of sudoCalls) assert.ok((a.tier as number) >= 2, "sudo calls are tier 2+");
      const everything = JSON.stringify([root, bad, audit]) + srv.s.stderr();
      assert.ok(!everything.includes(u.password));
      assert.ok(!everything.includes("wrong-password-456"));
    } finally {
      await srv.close();
      await u.release();
    }
  },
});
