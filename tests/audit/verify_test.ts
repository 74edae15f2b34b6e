import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { AuditLog, verifyAuditFile } from "../../lib/audit/mod.ts";
import { silentLogger } from "../../lib/log/mod.ts";
import { entry, readLines, withTempDir, writeLines } from "./_helpers.ts";

/** Writes `n` chained records to `dir/audit.jsonl` and returns the path and its lines. */
async function chainedFile(dir: string, n = 6): Promise<{ path: string; lines: string[] }> {
  const path = `${dir}/audit.jsonl`;
  const log = await AuditLog.open({ path, logger: silentLogger });
  for (let i = 0; i < n; i++) await log.append(entry({ request_id: String(i), args: { i } }));
  await log.close();
  return { path, lines: await readLines(path) };
}

Deno.test("verifyAuditFile() accepts an intact chain anchored at genesis", async () => {
  await withTempDir(async (dir) => {
    const { path } = await chainedFile(dir);
    const v = await verifyAuditFile(path);
    assert.deepEqual(v, {
      ok: true,
      path,
      present: true,
      records: 6,
      chained_records: 6,
      anchored: true,
      start_seq: 0,
      head_seq: 5,
      broken_at: null,
      reason: "chain intact: 6 records, seq 0..5 from genesis",
    });
  });
});

Deno.test("verifyAuditFile() detects an edited field", async () => {
  await withTempDir(async (dir) => {
    const { path, lines } = await chainedFile(dir);
    lines[3] = lines[3].replace('"tier":1', '"tier":0');
    await writeLines(path, lines);
    const v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.equal(v.broken_at, 4);
    assert.match(v.reason, /does not match its chain value/);
    assert.equal(v.head_seq, 2);
  });
});

Deno.test("verifyAuditFile() detects a deleted line", async () => {
  await withTempDir(async (dir) => {
    const { path, lines } = await chainedFile(dir);
    lines.splice(2, 1);
    await writeLines(path, lines);
    const v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.equal(v.broken_at, 3);
    assert.match(v.reason, /seq 3 follows seq 1 \(1 record\(s\) missing/);
  });
});

Deno.test("verifyAuditFile() detects reordered lines", async () => {
  await withTempDir(async (dir) => {
    const { path, lines } = await chainedFile(dir);
    [lines[2], lines[3]] = [lines[3], lines[2]];
    await writeLines(path, lines);
    const v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.equal(v.broken_at, 3);
  });
});

Deno.test("verifyAuditFile() detects a forged chain value and a broken prev link", async () => {
  await withTempDir(async (dir) => {
    const { path, lines } = await chainedFile(dir);
    const forged = [...lines];
    const r = JSON.parse(forged[4]);
    forged[4] = forged[4].replace(r.chain, "f".repeat(64));
    await writeLines(path, forged);
    let v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.equal(v.broken_at, 5);

    const relinked = [...lines];
    relinked[4] = relinked[4].replace(r.prev, "e".repeat(64));
    await writeLines(path, relinked);
    v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.equal(v.broken_at, 5);
    assert.match(v.reason, /prev does not match/);
  });
});

Deno.test("verifyAuditFile() fails a truncated head unless segment is set", async () => {
  await withTempDir(async (dir) => {
    const { path, lines } = await chainedFile(dir);
    await writeLines(path, lines.slice(2));
    let v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.equal(v.broken_at, 1);
    assert.match(v.reason, /starts at seq 2, not at genesis/);
    v = await verifyAuditFile(path, { segment: true });
    assert.equal(v.ok, true, v.reason);
    assert.equal(v.anchored, false);
    assert.equal(v.start_seq, 2);
    assert.equal(v.head_seq, 5);
  });
});

Deno.test("verifyAuditFile() reports a torn final line as such", async () => {
  await withTempDir(async (dir) => {
    const { path, lines } = await chainedFile(dir);
    await Deno.writeTextFile(path, lines.join("\n") + "\n" + lines[5].slice(0, 40));
    const v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.equal(v.broken_at, 7);
    assert.match(v.reason, /torn final line 7/);
    assert.match(v.reason, /intact through seq 5/);
    assert.equal(v.chained_records, 6);
  });
});

Deno.test("verifyAuditFile() skips leading legacy lines but not unchained lines inside the chain", async () => {
  await withTempDir(async (dir) => {
    const { path, lines } = await chainedFile(dir, 3);
    await writeLines(path, ['{"tool":"legacy"}', "", ...lines]);
    let v = await verifyAuditFile(path);
    assert.equal(v.ok, true, v.reason);
    assert.equal(v.records, 5);
    assert.match(v.reason, /2 leading unchained line\(s\) skipped/);

    await writeLines(path, [...lines.slice(0, 2), '{"tool":"sneaky"}', lines[2]]);
    v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.equal(v.broken_at, 3);
    assert.match(v.reason, /not chained/);

    await writeLines(path, [...lines.slice(0, 2), "{not json", lines[2]]);
    v = await verifyAuditFile(path);
    assert.equal(v.broken_at, 3);
    assert.match(v.reason, /not a JSON object/);
  });
});

Deno.test("verifyAuditFile() reports a genesis seam in the middle of a file", async () => {
  await withTempDir(async (dir) => {
    const { path, lines } = await chainedFile(dir, 2);
    await writeLines(path, [...lines, ...lines]);
    const v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.equal(v.broken_at, 3);
    assert.match(v.reason, /restarts at genesis/);
  });
});

Deno.test("verifyAuditFile() is fail-closed for missing, empty and unchained files", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    let v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.equal(v.present, false);
    await Deno.writeTextFile(path, "");
    v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.equal(v.present, true);
    assert.match(v.reason, /empty/);
    await Deno.writeTextFile(path, '{"a":1}\n{"b":2}\n');
    v = await verifyAuditFile(path);
    assert.equal(v.ok, false);
    assert.match(v.reason, /no chained records in 2 lines/);
    v = await verifyAuditFile(dir);
    assert.equal(v.ok, false);
    assert.match(v.reason, /not a regular file/);
  });
});

Deno.test("verifyAuditFile() stops early in a tampered gzip segment without leaking", async () => {
  await withTempDir(async (dir) => {
    const { path, lines } = await chainedFile(dir, 2000);
    lines[10] = lines[10].replace('"tier":1', '"tier":2');
    await Deno.writeFile(
      `${path}.1.gz`,
      gzipSync(new TextEncoder().encode(lines.join("\n") + "\n")),
    );
    const v = await verifyAuditFile(`${path}.1.gz`);
    assert.equal(v.ok, false);
    assert.equal(v.broken_at, 11);
  });
});

Deno.test("verifyAuditFile() stops when its signal is aborted", async () => {
  await withTempDir(async (dir) => {
    const { path } = await chainedFile(dir, 2100);
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    await assert.rejects(() => verifyAuditFile(path, { signal: ac.signal }), /stop/);
  });
});
