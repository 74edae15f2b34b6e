import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { buildChildEnv, ProcessGroups } from "../../lib/exec/mod.ts";
import { type InlineProgress, JobManager, runInline } from "../../lib/jobs/mod.ts";
import { MemoryAuditSink } from "../../lib/jobs/testing.ts";
import { SessionRegistry } from "../../lib/sessions/mod.ts";
import { pidAlive, pidsMatching } from "../helpers/proc.ts";
import { waitFor } from "../helpers/server.ts";

const dec = new TextDecoder();

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "rs-inline-" });
  const sessions = new SessionRegistry({
    maxSessions: 4,
    bufferBytes: 65536,
    idleTimeoutMs: 600_000,
    maxLifetimeMs: 0,
    reapIntervalMs: 0,
    closeGraceMs: 500,
  });
  const audit = new MemoryAuditSink();
  const jobs = new JobManager({
    sessions,
    audit,
    sweepIntervalMs: 0,
    spool: { dir: `${dir}/jobs`, maxBytes: 64 << 20, totalBytes: 128 << 20, retentionMs: 60_000 },
  });
  const groups = new ProcessGroups();
  const base = {
    env: buildChildEnv(),
    timeoutMs: 60_000,
    maxOutput: 4096,
    groups,
    jobs,
    job: { tool: "shell_exec", tier: 1, args: {} },
    title: "test",
    killGraceMs: 500,
  };
  return {
    dir,
    sessions,
    jobs,
    audit,
    base,
    flag: `${dir}/go`,
    async close() {
      await sessions.closeAll();
      await jobs.close();
      await groups.killAll(500);
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function seqText(from: number, to: number): string {
  let s = "";
  for (let i = from; i <= to; i++) s += `${i}\n`;
  return s;
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

Deno.test("runInline() returns a command that ends inside the window unchanged: no job, no file", async () => {
  const t = await setup();
  try {
    const r = await runInline({ shell: "echo hi" }, { ...t.base, windowMs: 30_000 });
    assert.equal(r.state, "done");
    if (r.state !== "done") return;
    assert.equal(r.result.exitCode, 0);
    assert.equal(r.result.stdout.text, "hi\n");
    assert.equal(t.sessions.size, 0);
    assert.equal(t.jobs.running, 0);
    assert.deepEqual([...Deno.readDirSync(`${t.dir}/jobs`)], []);
  } finally {
    await t.close();
  }
});

for (const [label, capture] of [["whole", 1 << 20], ["with a gap", 4096]] as const) {
  Deno.test(`runInline() hands a command over at the window without losing a byte (capture ${label})`, async () => {
    const t = await setup();
    try {
      const cmd = `seq 1 40000; while [ ! -e '${t.flag}' ]; do sleep 0.02; done; seq 40001 80000`;
      const r = await runInline({ shell: cmd }, {
        ...t.base,
        windowMs: 300,
        captureHeadBytes: capture,
        captureTailBytes: capture,
      });
      assert.equal(r.state, "running");
      if (r.state !== "running") return;
      const first = seqText(1, 40000);
      assert.equal(r.bytes, first.length);
      assert.equal(r.session.readCursor, first.length, "reads continue after what was shown");
      assert.match(r.soFar.text, /^1\n2\n/);
      assert.match(r.soFar.text, /\n40000\n$/);
      Deno.writeTextFileSync(t.flag, "");
      await r.session.ended;
      await waitFor(() => t.audit.entries.length === 1, 5000, "job_end");
      const all = seqText(1, 80000);
      const e = t.audit.entries[0];
      assert.equal(e.action, "job_end");
      assert.equal(e.exit_code, 0);
      assert.equal(e.output_len, all.length);
      assert.equal(e.output_sha256, sha(all), "the hash covers every byte, before and after");
      assert.equal(r.session.log.produced, all.length);
      const spool = t.jobs.lookup(r.session.id)!.spool!;
      const tail = spool.read(first.length, 1 << 20, { ended: true });
      assert.equal(dec.decode(tail.bytes), seqText(40001, 80000), "the rest is spooled");
      const head = spool.read(0, 1 << 20, { ended: true });
      if (capture === 1 << 20) assert.equal(dec.decode(head.bytes), all, "everything spooled");
      else {
        assert.equal(dec.decode(head.bytes), first.slice(0, 4096), "the head is kept");
        assert.equal(spool.droppedBytes, first.length - 8192, "the middle was not kept");
      }
    } finally {
      await t.close();
    }
  });
}

Deno.test("runInline() with background hands over at once; the spool has the output from byte 0", async () => {
  const t = await setup();
  try {
    const r = await runInline({
      shell: `echo start; while [ ! -e '${t.flag}' ]; do sleep 0.02; done; echo end`,
    }, {
      ...t.base,
      windowMs: 30_000,
      background: true,
    });
    assert.equal(r.state, "running");
    if (r.state !== "running") return;
    Deno.writeTextFileSync(t.flag, "");
    await r.session.ended;
    const spool = t.jobs.lookup(r.session.id)!.spool!;
    assert.equal(dec.decode(spool.read(0, 1024, { ended: true }).bytes), "start\nend\n");
    await waitFor(() => t.audit.entries.length === 1, 5000, "job_end");
    assert.equal(t.audit.entries[0].output_sha256, sha("start\nend\n"));
  } finally {
    await t.close();
  }
});

Deno.test("runInline(): a cancelled call kills its process before the window; after it, the job lives on", async () => {
  const t = await setup();
  try {
    const ctl = new AbortController();
    const marker = `sleep ${3_000_000 + Math.floor(Math.random() * 999_999)}`;
    const p = runInline({ shell: `exec ${marker}` }, {
      ...t.base,
      windowMs: 30_000,
      signal: ctl.signal,
    });
    await waitFor(() => pidsMatching(marker).length > 0, 5000, "sleep to start");
    const pid = pidsMatching(marker)[0];
    ctl.abort();
    const r = await p;
    assert.equal(r.state, "done");
    if (r.state === "done") assert.equal(r.result.cancelled, true);
    assert.equal(pidAlive(pid), false, "the process is gone");
    assert.equal(t.sessions.size, 0);

    const ctl2 = new AbortController();
    const marker2 = `sleep ${4_000_000 + Math.floor(Math.random() * 999_999)}`;
    const r2 = await runInline({ shell: `exec ${marker2}` }, {
      ...t.base,
      windowMs: 200,
      signal: ctl2.signal,
    });
    assert.equal(r2.state, "running");
    ctl2.abort();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(pidsMatching(marker2).length, 1, "cancelling the finished call leaves the job");
  } finally {
    await t.close();
  }
});

Deno.test("a job's session_kill ends its whole process tree", async () => {
  const t = await setup();
  try {
    const marker = `sleep ${5_000_000 + Math.floor(Math.random() * 999_999)}`;
    const r = await runInline({
      shell: `sh -c '${marker}; true' & (${marker}; true) & ${marker}`,
    }, { ...t.base, windowMs: 0, background: true });
    assert.equal(r.state, "running");
    if (r.state !== "running") return;
    await waitFor(() => pidsMatching(marker).length >= 3, 5000, "the tree to start");
    const k = await t.sessions.kill(r.session.id, "SIGTERM", true);
    assert.equal(k.closed, true);
    await waitFor(() => pidsMatching(marker).length === 0, 5000, "every process to go");
    await waitFor(() => t.audit.entries.length === 1, 5000, "job_end");
    assert.equal(t.audit.entries[0].extra?.killed, true);
  } finally {
    await t.close();
  }
});

Deno.test("runInline() reports progress while it waits", async () => {
  const t = await setup();
  try {
    const seen: InlineProgress[] = [];
    const r = await runInline({
      shell: `echo first line; while [ ! -e '${t.flag}' ]; do sleep 0.02; done`,
    }, {
      ...t.base,
      windowMs: 30_000,
      progressIntervalMs: 20,
      onProgress: (p) => {
        seen.push(p);
        if (p.bytes > 0) Deno.writeTextFileSync(t.flag, "");
      },
    });
    assert.equal(r.state, "done");
    const last = seen.at(-1)!;
    assert.equal(last.bytes, 11);
    assert.equal(last.lastLine, "first line");
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].elapsedMs >= seen[i - 1].elapsedMs);
  } finally {
    await t.close();
  }
});
