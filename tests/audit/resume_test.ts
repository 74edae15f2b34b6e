import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import {
  AuditLog,
  GENESIS,
  newestRotatedSibling,
  resumeChain,
  verifyAuditFile,
} from "../../lib/audit/mod.ts";
import { memoryLogger, silentLogger } from "../../lib/log/mod.ts";
import { entry, readRecords, withTempDir } from "./_helpers.ts";

async function writeRecords(path: string, n: number): Promise<void> {
  const log = await AuditLog.open({ path, logger: silentLogger });
  for (let i = 0; i < n; i++) await log.append(entry({ request_id: String(i) }));
  await log.close();
}

Deno.test("AuditLog.open() continues the chain of the file it reopens", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    await writeRecords(path, 3);
    const log = await AuditLog.open({ path, logger: silentLogger });
    assert.equal(log.status().head?.seq, 2);
    await log.append(entry());
    await log.close();
    const records = await readRecords(path);
    assert.deepEqual(records.map((r) => r.seq), [0, 1, 2, 3]);
    assert.equal(records[3].prev, records[2].chain);
    const v = await verifyAuditFile(path);
    assert.equal(v.ok, true, v.reason);
    assert.equal(v.anchored, true);
  });
});

Deno.test("AuditLog.open() continues from the rotated sibling when the active file is new", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    await writeRecords(path, 3);
    await Deno.rename(path, `${path}.1`);
    await Deno.writeTextFile(path, "", { mode: 0o600 }); // logrotate `create`
    const logger = memoryLogger();
    const log = await AuditLog.open({ path, logger });
    await log.append(entry());
    await log.close();
    const [r] = await readRecords(path);
    const old = await readRecords(`${path}.1`);
    assert.equal(r.seq, 3);
    assert.equal(r.prev, old[2].chain);
    assert.ok(logger.lines.some((l) => /continues from a rotated file/.test(l)));
    assert.equal((await verifyAuditFile(path)).ok, false); // not anchored
    const v = await verifyAuditFile(path, { segment: true });
    assert.equal(v.ok, true, v.reason);
    assert.equal(v.anchored, false);
    assert.equal(v.start_seq, 3);
  });
});

Deno.test("AuditLog.open() continues from a gzip-compressed sibling, the newest by mtime", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    await writeRecords(path, 5);
    const data = await Deno.readFile(path);
    await Deno.remove(path);
    // An older, unrelated rotated file (dateext) and the newest one, compressed.
    await Deno.writeTextFile(`${path}-20261120`, '{"old":true}\n');
    await Deno.utime(`${path}-20261120`, 1_000, 1_000);
    await Deno.writeFile(`${path}-20261121.gz`, gzipSync(data));
    await Deno.utime(`${path}-20261121.gz`, 2_000, 2_000);
    await Deno.writeTextFile(`${dir}/audit.jsonl.bak`, "not a sibling\n");
    assert.equal(await newestRotatedSibling(path), `${path}-20261121.gz`);
    const log = await AuditLog.open({ path, logger: silentLogger });
    await log.append(entry());
    await log.close();
    const [r] = await readRecords(path);
    assert.equal(r.seq, 5);
    assert.equal(r.prev, JSON.parse(new TextDecoder().decode(data).trim().split("\n")[4]).chain);
    // The compressed segment verifies too.
    const v = await verifyAuditFile(`${path}-20261121.gz`);
    assert.equal(v.ok, true, v.reason);
    assert.equal(v.head_seq, 4);
  });
});

Deno.test("AuditLog.open() restarts at genesis with a warning when the tail is malformed", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    await writeRecords(path, 2);
    await Deno.writeTextFile(path, "this is not json\n", { append: true });
    const logger = memoryLogger();
    const log = await AuditLog.open({ path, logger });
    assert.equal(log.status().head, null);
    await log.append(entry());
    await log.close();
    assert.ok(
      logger.lines.some((l) => /WARN/.test(l) && /restarts at genesis/.test(l)),
      logger.lines.join("\n"),
    );
    const records = await readRecords(path).catch(() => null);
    assert.equal(records, null); // the garbage line stays; nothing is rewritten
    const text = await Deno.readTextFile(path);
    const last = JSON.parse(text.trim().split("\n").at(-1)!);
    assert.equal(last.seq, 0);
    assert.equal(last.prev, GENESIS);
    const v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.equal(v.broken_at, 3);
  });
});

Deno.test("resumeChain() rejects a tail whose chain value does not match its content", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    await writeRecords(path, 2);
    const text = await Deno.readTextFile(path);
    await Deno.writeTextFile(path, text.replace(/"request_id":"1"/, '"request_id":"X"'));
    const r = await resumeChain(path);
    assert.equal(r.head, null);
    assert.match(r.warning ?? "", /does not match/);
  });
});

Deno.test("resumeChain() uses the last complete line when the file ends with a torn line", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    await writeRecords(path, 2);
    await Deno.writeTextFile(path, '{"ts":"half', { append: true });
    const r = await resumeChain(path);
    assert.equal(r.head?.seq, 1);
    // The sink starts the next record on a line of its own.
    const log = await AuditLog.open({ path, logger: silentLogger });
    await log.append(entry());
    await log.close();
    const lines = (await Deno.readTextFile(path)).split("\n");
    assert.equal(lines[2], '{"ts":"half');
    assert.equal(JSON.parse(lines[3]).seq, 2);
  });
});

Deno.test("resumeChain() starts at genesis silently for a new file and warns for a corrupt gzip", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    assert.deepEqual(await resumeChain(path), { head: null, source: "" });
    await Deno.writeFile(`${path}.1.gz`, new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]));
    const r = await resumeChain(path);
    assert.equal(r.head, null);
    assert.match(r.warning ?? "", /genesis/);
  });
});
