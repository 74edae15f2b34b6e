import assert from "node:assert/strict";
import { AuditLog, verifyAuditFile } from "../../lib/audit/mod.ts";
import { silentLogger } from "../../lib/log/mod.ts";
import { entry, readRecords, withTempDir } from "./_helpers.ts";

Deno.test("AuditLog keeps one valid chain when two sinks append to the same file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const a = await AuditLog.open({ path, logger: silentLogger });
    const b = await AuditLog.open({ path, logger: silentLogger });
    for (let i = 0; i < 20; i++) {
      await (i % 3 === 0 ? b : a).append(entry({ request_id: String(i) }));
    }
    await Promise.all([a.close(), b.close()]);
    const records = await readRecords(path);
    assert.deepEqual(records.map((r) => r.seq), [...Array(20).keys()]);
    const v = await verifyAuditFile(path);
    assert.equal(v.ok, true, v.reason);
    assert.equal(v.chained_records, 20);
  });
});

Deno.test("AuditLog keeps one valid chain while another process appends concurrently", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const log = await AuditLog.open({ path, logger: silentLogger });
    const other = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../fixtures/audit_writer.ts", import.meta.url).pathname,
        path,
        "150",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const mine: Promise<void>[] = [];
    for (let i = 0; i < 150; i++) {
      mine.push(log.append(entry({ request_id: `mine-${i}` })));
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(mine);
    const st = await other.output();
    assert.equal(st.code, 0, new TextDecoder().decode(st.stderr));
    await log.close();
    const records = await readRecords(path);
    assert.equal(records.length, 300);
    assert.equal(records.filter((r) => r.tool === "other_process").length, 150);
    const v = await verifyAuditFile(path);
    assert.equal(v.ok, true, v.reason);
    assert.equal(v.head_seq, 299);
  });
});
