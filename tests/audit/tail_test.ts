import assert from "node:assert/strict";
import { AuditLog, tailAudit } from "../../lib/audit/mod.ts";
import { silentLogger } from "../../lib/log/mod.ts";
import { entry, withTempDir } from "./_helpers.ts";

async function sampleLog(path: string): Promise<void> {
  const log = await AuditLog.open({ path, logger: silentLogger });
  const rows: Array<[string, number, boolean]> = [
    ["shell_exec", 1, false],
    ["ssh_exec", 2, false],
    ["shell_exec", 3, true],
    ["file_read", 0, false],
    ["shell_exec", 1, false],
    ["ssh_exec", 3, true],
  ];
  for (const [i, [tool, tier, denied]] of rows.entries()) {
    await log.append(entry({ tool, tier, denied, request_id: String(i) }));
  }
  await log.close();
}

const ids = (records: Record<string, unknown>[]) => records.map((r) => r.request_id);

Deno.test("tailAudit() returns the last records oldest first within the window", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    await sampleLog(path);
    assert.deepEqual(ids(await tailAudit(path, { lines: 3 })), ["3", "4", "5"]);
    assert.deepEqual(ids(await tailAudit(path, { lines: 1000 })), ["0", "1", "2", "3", "4", "5"]);
  });
});

Deno.test("tailAudit() filters by tool, tier and denied inside the window", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    await sampleLog(path);
    assert.deepEqual(ids(await tailAudit(path, { lines: 50, tool: "shell_exec" })), [
      "0",
      "2",
      "4",
    ]);
    assert.deepEqual(ids(await tailAudit(path, { lines: 50, tier: 3 })), ["2", "5"]);
    assert.deepEqual(ids(await tailAudit(path, { lines: 50, denied: true })), ["2", "5"]);
    assert.deepEqual(ids(await tailAudit(path, { lines: 50, denied: false, tier: 1 })), ["0", "4"]);
    // The window bounds the lines scanned, not the records returned.
    assert.deepEqual(ids(await tailAudit(path, { lines: 2, tool: "file_read" })), []);
    assert.deepEqual(ids(await tailAudit(path, { lines: 2, denied: true })), ["5"]);
  });
});

Deno.test("tailAudit() skips invalid lines, counts a torn last line, and returns [] for a missing file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    assert.deepEqual(await tailAudit(path, { lines: 10 }), []);
    await Deno.writeTextFile(path, '{"tool":"a"}\nnot json\n[1,2]\n{"tool":"b"}\n{"tool":"c"');
    assert.deepEqual((await tailAudit(path, { lines: 10 })).map((r) => r.tool), ["a", "b"]);
    assert.deepEqual((await tailAudit(path, { lines: 2 })).map((r) => r.tool), ["b"]);
  });
});

Deno.test("tailAudit() rejects a window outside 1..1000", async () => {
  await assert.rejects(() => tailAudit("/nonexistent", { lines: 0 }), RangeError);
  await assert.rejects(() => tailAudit("/nonexistent", { lines: 1001 }), RangeError);
  await assert.rejects(() => tailAudit("/nonexistent", { lines: 2.5 }), RangeError);
});

Deno.test("tailAudit() reads the end of a 50k-line file correctly", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const lines: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      lines.push(
        JSON.stringify({ tool: i % 2 ? "odd" : "even", tier: 1, n: i, pad: "x".repeat(i % 97) }),
      );
    }
    await Deno.writeTextFile(path, lines.join("\n") + "\n");
    const last = await tailAudit(path, { lines: 1000 });
    assert.equal(last.length, 1000);
    assert.equal(last[0].n, 49_000);
    assert.equal(last.at(-1)!.n, 49_999);
    const odd = await tailAudit(path, { lines: 5, tool: "odd" });
    assert.deepEqual(odd.map((r) => r.n), [49_995, 49_997, 49_999]);
  });
});

Deno.test("tailAudit() answers from the end of a huge sparse file without reading it all", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    // A 16 GiB hole (no newlines) before a few records: reading it all would take a long time.
    const file = await Deno.open(path, { write: true, create: true });
    await file.truncate(16 * 1024 ** 3);
    await file.seek(0, Deno.SeekMode.End);
    await file.write(new TextEncoder().encode('\n{"tool":"a","n":1}\n{"tool":"b","n":2}\n'));
    file.close();
    const records = await tailAudit(path, { lines: 2 });
    assert.deepEqual(records, [{ tool: "a", n: 1 }, { tool: "b", n: 2 }]);
  });
});
