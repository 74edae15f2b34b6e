import assert from "node:assert/strict";
import { AuditLog, RETRY_MIN_MS, verifyAuditFile } from "../../lib/audit/mod.ts";
import { FullDiskOpener } from "../../lib/audit/testing.ts";
import { memoryLogger, silentLogger } from "../../lib/log/mod.ts";
import { ManualClock } from "../../lib/util/mod.ts";
import { entry, readRecords, withTempDir } from "./_helpers.ts";

function stderrSink(): {
  lines: string[];
  write: (l: string) => void;
  records: () => Record<string, unknown>[];
} {
  const lines: string[] = [];
  return {
    lines,
    write: (l) => lines.push(l),
    records: () => lines.map((l) => JSON.parse(l.replace(/^AUDIT /, ""))),
  };
}

Deno.test("AuditLog.open() degrades when the path is a directory and sends records to stderr", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    await Deno.mkdir(path);
    const logger = memoryLogger();
    const err = stderrSink();
    const log = await AuditLog.open({ path, logger, writeStderr: err.write });
    const st = log.status();
    assert.equal(st.degraded, true);
    assert.match(st.reason, /is a directory/);
    await log.append(entry({ request_id: "1" }));
    await log.append(entry({ request_id: "2" }));
    await log.close();
    assert.equal(err.lines.length, 2);
    assert.ok(err.lines.every((l) => l.startsWith("AUDIT {")));
    // The stderr copies carry the chain, so nothing is lost from the sequence.
    const recs = err.records();
    assert.deepEqual(recs.map((r) => r.seq), [0, 1]);
    assert.equal(recs[1].prev, recs[0].chain);
    assert.equal(log.status().records_stderr, 2);
    assert.equal(log.status().records_written, 0);
    assert.equal(logger.lines.filter((l) => /degraded/.test(l)).length, 1, "warned once");
  });
});

Deno.test("AuditLog.open() refuses a non-regular file such as /dev/full or a FIFO", async () => {
  const err = stderrSink();
  const log = await AuditLog.open({
    path: "/dev/full",
    logger: silentLogger,
    writeStderr: err.write,
  });
  assert.equal(log.status().degraded, true);
  assert.match(log.status().reason, /character device/);
  await log.append(entry());
  await log.close();
  assert.equal(err.lines.length, 1);

  await withTempDir(async (dir) => {
    const fifo = `${dir}/audit.fifo`;
    const mk = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.equal(mk.code, 0);
    const log2 = await AuditLog.open({ path: fifo, logger: silentLogger, writeStderr: () => {} });
    assert.match(log2.status().reason, /FIFO/);
    await log2.close();
  });
});

Deno.test("AuditLog.append() survives ENOSPC, falls back to stderr and recovers after the backoff", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const clock = new ManualClock();
    const opener = new FullDiskOpener();
    const err = stderrSink();
    const log = await AuditLog.open({
      path,
      logger: silentLogger,
      clock,
      openFile: opener.open,
      writeStderr: err.write,
    });
    await log.append(entry({ request_id: "0" }));
    opener.full = true;
    await log.append(entry({ request_id: "1" }));
    assert.equal(log.status().degraded, true);
    assert.match(log.status().reason, /No space left on device|ENOSPC/);
    opener.full = false;
    // Before the backoff has passed, no reopen is attempted.
    const opens = opener.opens;
    await log.append(entry({ request_id: "2" }));
    assert.equal(opener.opens, opens);
    clock.advance(RETRY_MIN_MS);
    await log.append(entry({ request_id: "3" }));
    assert.equal(opener.opens, opens + 1);
    assert.equal(log.status().degraded, false);
    assert.equal(log.status().reason, "");
    await log.close();

    assert.deepEqual(err.records().map((r) => [r.request_id, r.seq]), [["1", 1], ["2", 2]]);
    const file = await readRecords(path);
    assert.deepEqual(file.map((r) => [r.request_id, r.seq]), [["0", 0], ["3", 3]]);
    assert.equal(file[1].prev, err.records()[1].chain);
    // verify reports the gap in the file (the two records that went to stderr).
    const v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.equal(v.broken_at, 2);
    assert.match(
      v.reason,
      /2 record\(s\) missing: deleted, or written to stderr while the sink was degraded/,
    );
    assert.deepEqual(log.status().head?.seq, 3);
  });
});

Deno.test("AuditLog.append() backs off longer after each failed reopen", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const clock = new ManualClock();
    const opener = new FullDiskOpener();
    opener.openError = new Error("simulated open failure");
    const log = await AuditLog.open({
      path,
      logger: silentLogger,
      clock,
      openFile: opener.open,
      writeStderr: () => {},
    });
    assert.equal(opener.opens, 1);
    clock.advance(RETRY_MIN_MS);
    await log.append(entry()); // retry 1 fails; next in 2 s
    assert.equal(opener.opens, 2);
    clock.advance(RETRY_MIN_MS);
    await log.append(entry()); // too early
    assert.equal(opener.opens, 2);
    clock.advance(RETRY_MIN_MS);
    opener.openError = null;
    await log.append(entry()); // retry 2 succeeds
    assert.equal(opener.opens, 3);
    assert.equal(log.status().degraded, false);
    await log.close();
    assert.equal((await readRecords(path)).length, 1);
  });
});

Deno.test("AuditLog.append() recovers when the directory in the way is replaced by a file path", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    await Deno.mkdir(path);
    const clock = new ManualClock();
    const log = await AuditLog.open({ path, logger: silentLogger, clock, writeStderr: () => {} });
    await log.append(entry());
    await Deno.remove(path);
    clock.advance(RETRY_MIN_MS);
    await log.append(entry());
    await log.close();
    const [r] = await readRecords(path);
    assert.equal(r.seq, 1);
    assert.equal(log.status().degraded, false);
  });
});
