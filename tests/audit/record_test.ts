import assert from "node:assert/strict";
import { AuditLog, canonicalJson, chainHash, GENESIS } from "../../lib/audit/mod.ts";
import { compareCodePoints } from "../../lib/audit/canonical.ts";
import { buildRecordFields, fieldsToJson, toJsonValue } from "../../lib/audit/record.ts";
import { memoryLogger, silentLogger } from "../../lib/log/mod.ts";
import { ManualClock } from "../../lib/util/mod.ts";
import { entry, readLines, readRecords, withTempDir } from "./_helpers.ts";

Deno.test("AuditLog.append() writes the fields in the documented order", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const clock = new ManualClock(Date.UTC(2026, 7, 17, 2, 18, 4, 123));
    const log = await AuditLog.open({ path, logger: silentLogger, clock });
    await log.append(entry({
      client_id: "claude",
      action: "confirm_execute",
      reason: "why",
      error: "invalid_arguments",
      extra: { stderr_sha256: "b".repeat(64), "10": "numeric-looking key", zeta: 1 },
    }));
    await log.close();
    const [line] = await readLines(path);
    const order = [
      "ts",
      "tool",
      "tier",
      "denied",
      "args",
      "output_sha256",
      "output_len",
      "exit_code",
      "duration_ms",
      "request_id",
      "client_id",
      "action",
      "reason",
      "error",
      "10", // JS enumerates integer-like keys first in the caller's own object
      "stderr_sha256",
      "zeta",
      "seq",
      "prev",
      "chain",
    ];
    const positions = order.map((k) => line.indexOf(`"${k}":`));
    assert.ok(positions.every((p) => p > 0), `every key present: ${line}`);
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
    assert.equal(Object.keys(JSON.parse(line)).length, order.length);
    const r = JSON.parse(line);
    assert.equal(r.ts, "2026-08-17T02:18:04.123Z");
    assert.equal(r.seq, 0);
    assert.equal(r.prev, GENESIS);
    assert.match(r.chain, /^[0-9a-f]{64}$/);
  });
});

Deno.test("AuditLog.append() omits empty optional fields and adds no chain when chain is off", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const log = await AuditLog.open({ path, logger: silentLogger, chain: false });
    await log.append(
      entry({ request_id: "", client_id: undefined, exit_code: null, output_sha256: null }),
    );
    await log.close();
    const [r] = await readRecords(path);
    assert.deepEqual(Object.keys(r), [
      "ts",
      "tool",
      "tier",
      "denied",
      "args",
      "output_sha256",
      "output_len",
      "exit_code",
      "duration_ms",
    ]);
    assert.equal(r.exit_code, null);
    assert.equal(r.output_sha256, null);
    assert.equal(log.status().head, null);
  });
});

Deno.test("AuditLog.append() drops extra fields that would overwrite record or chain fields", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const logger = memoryLogger();
    const log = await AuditLog.open({ path, logger });
    await log.append(
      entry({ extra: { seq: 99, chain: "f".repeat(64), tool: "other", note: "kept" } }),
    );
    await log.append(entry({ extra: { seq: 98 } }));
    await log.close();
    const [r] = await readRecords(path);
    assert.equal(r.seq, 0);
    assert.equal(r.tool, "shell_exec");
    assert.equal(r.note, "kept");
    assert.equal(logger.lines.filter((l) => /reserved/.test(l) && /field=seq/.test(l)).length, 1);
  });
});

Deno.test("buildRecordFields() makes JSON-safe values that re-parse to themselves", () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const fields = buildRecordFields(
    entry({
      args: {
        big: 10n,
        nan: NaN,
        when: new Date(0),
        fn: () => 1,
        list: [undefined, 1],
        cyclic,
        ["__proto__"]: "x",
      } as Record<string, unknown>,
      tier: 2.4,
      duration_ms: -3,
    }),
    { ts: "t" },
  );
  const line = fieldsToJson(fields);
  const parsed = JSON.parse(line);
  assert.deepEqual(parsed.args.big, "10");
  assert.equal(parsed.args.nan, null);
  assert.equal(parsed.args.when, "1970-01-01T00:00:00.000Z");
  assert.equal("fn" in parsed.args, false);
  assert.deepEqual(parsed.args.list, [null, 1]);
  assert.equal(parsed.args.cyclic.self, "[Circular]");
  assert.equal(parsed.tier, 2);
  assert.equal(parsed.duration_ms, 0);
  // The hash over the in-memory value equals the hash over the re-parsed line.
  const obj = Object.fromEntries(fields);
  assert.equal(canonicalJson(obj), canonicalJson(parsed));
  assert.equal(canonicalJson(toJsonValue(JSON.parse('{"__proto__":1}'))), '{"__proto__":1}');
});

Deno.test("canonicalJson() sorts keys recursively, drops whitespace and keeps non-ASCII", () => {
  assert.equal(
    canonicalJson({ b: [{ z: 1, a: "ü" }], a: null, c: { y: true, x: "日本" } }),
    '{"a":null,"b":[{"a":"ü","z":1}],"c":{"x":"日本","y":true}}',
  );
  // Code point order: U+1F600 (astral) sorts after U+FF01, unlike UTF-16 order.
  assert.equal(canonicalJson({ "😀": 1, "！": 2 }), '{"！":2,"😀":1}');
  assert.ok(compareCodePoints("a", "ab") < 0);
});

Deno.test("chainHash() hashes prev followed by the canonical body", async () => {
  const { createHash } = await import("node:crypto");
  const body = { tool: "x", seq: 0, prev: GENESIS };
  const want = createHash("sha256").update(
    GENESIS + '{"prev":"' + GENESIS + '","seq":0,"tool":"x"}',
  )
    .digest("hex");
  assert.equal(chainHash(GENESIS, body), want);
});
