import assert from "node:assert/strict";
import { AuditLog, verifyAuditFile } from "../../lib/audit/mod.ts";
import { memoryLogger, silentLogger } from "../../lib/log/mod.ts";
import { entry, readRecords, withTempDir } from "./_helpers.ts";

Deno.test("AuditLog.append() reopens after a rename rotation and the chain continues", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const logger = memoryLogger();
    const log = await AuditLog.open({ path, logger });
    await log.append(entry({ request_id: "a" }));
    await log.append(entry({ request_id: "b" }));
    await Deno.rename(path, `${path}.1`); // logrotate without `create`: the path vanishes
    await log.append(entry({ request_id: "c" }));
    await log.append(entry({ request_id: "d" }));
    await log.close();
    const old = await readRecords(`${path}.1`);
    const now = await readRecords(path);
    assert.deepEqual(old.map((r) => r.request_id), ["a", "b"]);
    assert.deepEqual(now.map((r) => r.seq), [2, 3]);
    assert.equal(now[0].prev, old[1].chain);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.ok(logger.lines.some((l) => /rotated; reopening/.test(l)));
    assert.equal((await verifyAuditFile(`${path}.1`)).ok, true);
    const v = await verifyAuditFile(path, { segment: true });
    assert.equal(v.ok, true, v.reason);
    assert.equal(v.start_seq, 2);
  });
});

Deno.test("AuditLog.append() writes to the new inode when logrotate re-creates the file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const log = await AuditLog.open({ path, logger: silentLogger });
    await log.append(entry());
    await Deno.rename(path, `${path}-20261121`);
    await Deno.writeTextFile(path, "", { mode: 0o600 }); // `create 0600`
    await log.append(entry());
    await log.close();
    assert.equal((await readRecords(`${path}-20261121`)).length, 1);
    const [r] = await readRecords(path);
    assert.equal(r.seq, 1);
  });
});

Deno.test("AuditLog.append() keeps appending after copytruncate cut the file in place", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const logger = memoryLogger();
    const log = await AuditLog.open({ path, logger });
    await log.append(entry());
    await log.append(entry());
    await Deno.copyFile(path, `${path}.1`);
    await Deno.truncate(path, 0);
    await log.append(entry());
    await log.close();
    const text = await Deno.readTextFile(path);
    assert.equal(text.startsWith("{"), true, "no hole of NUL bytes before the new line");
    const [r] = await readRecords(path);
    assert.equal(r.seq, 2);
    assert.ok(logger.lines.some((l) => /copytruncate/.test(l)));
    assert.equal((await verifyAuditFile(path, { segment: true })).ok, true);
  });
});
