import assert from "node:assert/strict";
import { AuditLog, verifyAuditFile } from "../../lib/audit/mod.ts";
import { memoryLogger, silentLogger } from "../../lib/log/mod.ts";
import { entry, readLines, readRecords, withTempDir } from "./_helpers.ts";

Deno.test("AuditLog.open() creates parents 0700 and the file 0600", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/state/deep/audit.jsonl`;
    const log = await AuditLog.open({ path, logger: silentLogger });
    await log.append(entry());
    await log.close();
    assert.equal((await Deno.stat(`${dir}/state/deep`)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal(log.status().degraded, false);
  });
});

Deno.test("AuditLog.open() keeps existing content, appends after it and tightens a loose mode", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    await Deno.writeTextFile(path, '{"legacy":true}\n', { mode: 0o644 });
    await Deno.chmod(path, 0o644);
    const log = await AuditLog.open({ path, logger: silentLogger });
    await log.append(entry());
    await log.close();
    const lines = await readLines(path);
    assert.equal(lines.length, 2);
    assert.equal(lines[0], '{"legacy":true}');
    assert.equal(JSON.parse(lines[1]).seq, 0);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  });
});

Deno.test("AuditLog.append() writes with O_APPEND: lines written by others meanwhile are kept", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const log = await AuditLog.open({ path, logger: silentLogger, chain: false });
    await log.append(entry({ request_id: "1" }));
    // Another writer appends; our cached handle must not overwrite it.
    await Deno.writeTextFile(path, '{"other":1}\n', { append: true });
    await log.append(entry({ request_id: "2" }));
    await log.close();
    const records = await readRecords(path);
    assert.deepEqual(records.map((r) => r.request_id ?? r.other), ["1", 1, "2"]);
  });
});

Deno.test("AuditLog.append() keeps 200 concurrent records whole and in seq order", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const log = await AuditLog.open({ path, logger: silentLogger });
    await Promise.all(
      Array.from(
        { length: 200 },
        (_, i) => log.append(entry({ request_id: String(i), args: { i } })),
      ),
    );
    await log.close();
    const records = await readRecords(path);
    assert.equal(records.length, 200);
    assert.deepEqual(records.map((r) => r.seq), Array.from({ length: 200 }, (_, i) => i));
    // Write order is call order.
    assert.deepEqual(
      records.map((r) => r.request_id),
      Array.from({ length: 200 }, (_, i) => String(i)),
    );
    assert.equal(log.status().records_written, 200);
    assert.deepEqual(log.status().head, { seq: 199, chain: records[199].chain });
    const v = await verifyAuditFile(path);
    assert.equal(v.ok, true, v.reason);
    assert.equal(v.chained_records, 200);
  });
});

Deno.test("AuditLog.append() echoes each line to the stderr writer when stderr is on", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const copies: string[] = [];
    const log = await AuditLog.open({
      path,
      logger: silentLogger,
      stderr: true,
      writeStderr: (l) => copies.push(l),
    });
    await log.append(entry());
    await log.close();
    const [line] = await readLines(path);
    assert.deepEqual(copies, [`AUDIT ${line}`]);
  });
});

Deno.test("AuditLog.append() echoes through the logger at warn level by default", async () => {
  await withTempDir(async (dir) => {
    const logger = memoryLogger();
    const log = await AuditLog.open({ path: `${dir}/audit.jsonl`, logger, stderr: true });
    await log.append(entry());
    await log.close();
    assert.equal(logger.lines.filter((l) => / WARN +AUDIT \{"ts":/.test(l)).length, 1);
  });
});

Deno.test("AuditLog.close() drains queued records; later appends go to stderr with the chain", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const copies: string[] = [];
    const log = await AuditLog.open({
      path,
      logger: silentLogger,
      writeStderr: (l) => copies.push(l),
    });
    const pending = [log.append(entry()), log.append(entry())];
    await log.close();
    await Promise.all(pending);
    assert.equal((await readLines(path)).length, 2);
    await log.append(entry());
    assert.equal((await readLines(path)).length, 2);
    assert.equal(copies.length, 1);
    assert.equal(JSON.parse(copies[0].slice("AUDIT ".length)).seq, 2);
    assert.equal(log.status().records_stderr, 1);
    await log.close(); // idempotent
  });
});

Deno.test("AuditLog constructor rejects an empty path", () => {
  assert.throws(() => new AuditLog({ path: "", logger: silentLogger }), TypeError);
});
