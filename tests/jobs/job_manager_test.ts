import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { JobInputError, JobManager } from "../../lib/jobs/mod.ts";
import { FakeJobSource, MemoryAuditSink } from "../../lib/jobs/testing.ts";
import { SessionLimitError, SessionRegistry } from "../../lib/sessions/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

async function setup(options: { maxSessions?: number; spool?: boolean; buffer?: number } = {}) {
  const dir = await Deno.makeTempDir({ prefix: "rs-jobs-" });
  const sessions = new SessionRegistry({
    maxSessions: options.maxSessions ?? 4,
    bufferBytes: options.buffer ?? 4096,
    idleTimeoutMs: 600_000,
    maxLifetimeMs: 0,
    reapIntervalMs: 0,
    closeGraceMs: 100,
  });
  const audit = new MemoryAuditSink();
  const jobs = new JobManager({
    sessions,
    audit,
    sweepIntervalMs: 0,
    spool: options.spool === false
      ? null
      : { dir: `${dir}/jobs`, maxBytes: 1 << 20, totalBytes: 4 << 20, retentionMs: 60_000 },
  });
  const info = {
    tool: "shell_exec",
    tier: 1,
    args: { command: "x" },
    requestId: "7",
    clientId: "t",
  };
  return {
    dir,
    sessions,
    audit,
    jobs,
    info,
    async close() {
      await sessions.closeAll();
      await jobs.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("JobManager.adopt() logs and spools every byte at the same offsets and audits the end once", async () => {
  const t = await setup();
  try {
    const src = new FakeJobSource("make all");
    const s = t.jobs.adopt(src, t.info);
    assert.match(s.id, /^job-[0-9a-f]{24}$/);
    assert.equal(s.kind, "job");
    assert.equal(s.title, "make all");
    let all = "";
    for (let i = 0; i < 200; i++) {
      const line = `line ${i} ${"z".repeat(i % 50)}\n`;
      all += line;
      src.emit(line);
    }
    await assert.rejects(() => s.write(enc.encode("x")), JobInputError);
    src.exit({ exitCode: 3, signal: null });
    await s.ended;
    assert.equal(s.state, "exited");
    assert.equal(s.exitCode, 3);
    assert.equal(s.log.produced, enc.encode(all).length);
    const rec = t.jobs.lookup(s.id)!;
    assert.ok(rec.spool);
    assert.equal(dec.decode(rec.spool.read(0, 1 << 20, { ended: true }).bytes), all);
    assert.ok(s.log.dropped > 0, "the ring buffer (4 KiB) dropped the start");
    assert.equal(t.audit.entries.length, 1);
    const e = t.audit.entries[0];
    assert.equal(e.action, "job_end");
    assert.equal(e.tool, "shell_exec");
    assert.equal(e.exit_code, 3);
    assert.equal(e.output_len, enc.encode(all).length);
    assert.equal(e.output_sha256, sha(all));
    assert.equal(e.request_id, "7");
    assert.equal(e.extra?.session_id, s.id);
    assert.equal(e.extra?.spool_bytes, enc.encode(all).length);
  } finally {
    await t.close();
  }
});

Deno.test("JobManager: a prelude with a gap starts the log at the tail; the spool keeps the head", async () => {
  const t = await setup();
  try {
    const src = new FakeJobSource("x", {
      head: enc.encode("HEAD."),
      tail: enc.encode("TAIL."),
      tailStart: 1000,
    });
    const s = t.jobs.adopt(src, t.info);
    src.emit("more.");
    src.exit();
    await s.ended;
    assert.equal(s.log.produced, 1010);
    assert.equal(s.log.oldest, 1000);
    assert.equal(dec.decode(s.log.read(1000, 100).bytes), "TAIL.more.");
    const spool = t.jobs.lookup(s.id)!.spool!;
    assert.equal(dec.decode(spool.read(0, 100).bytes), "HEAD.");
    const after = spool.read(5, 100, { ended: true });
    assert.equal(after.droppedBytes, 995);
    assert.equal(dec.decode(after.bytes), "TAIL.more.");
    assert.equal(t.audit.entries[0].output_len, 1010);
    assert.equal(t.audit.entries[0].output_sha256, null, "the job did not see every byte");
  } finally {
    await t.close();
  }
});

Deno.test("JobManager keeps an ended job readable after its session is closed, until the spool goes", async () => {
  const t = await setup();
  try {
    const src = new FakeJobSource();
    const s = t.jobs.adopt(src, t.info);
    src.emit("done\n");
    src.exit();
    await s.ended;
    await t.sessions.kill(s.id, "SIGTERM", true);
    const rec = t.jobs.lookup(s.id);
    assert.ok(rec?.end && rec.spool);
    assert.equal(dec.decode(rec.spool.read(0, 100, { ended: true }).bytes), "done\n");
    t.jobs.store!.delete(s.id);
    assert.equal(t.jobs.lookup(s.id), null);
  } finally {
    await t.close();
  }
});

Deno.test("JobManager: session kill signals and closes the source; a full registry refuses adoption", async () => {
  const t = await setup({ maxSessions: 1, spool: false });
  try {
    const src = new FakeJobSource();
    const s = t.jobs.adopt(src, t.info);
    assert.throws(() => t.jobs.adopt(new FakeJobSource(), t.info), SessionLimitError);
    await t.sessions.kill(s.id, "SIGTERM", true);
    assert.deepEqual(src.signals, ["SIGTERM"]);
    assert.equal(t.audit.entries.length, 1);
    assert.equal(t.audit.entries[0].extra?.signal, "SIGTERM");
    assert.equal(t.jobs.lookup(s.id), null, "no spool: nothing kept after the end");
  } finally {
    await t.close();
  }
});

Deno.test("JobManager.close() ends running jobs and writes their records", async () => {
  const t = await setup();
  const src = new FakeJobSource();
  t.jobs.adopt(src, t.info);
  await t.jobs.close();
  assert.equal(src.closes, 1);
  assert.equal(t.audit.entries.length, 1);
  assert.equal(t.jobs.hasRoom(), false);
  await t.close();
});
