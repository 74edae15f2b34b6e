import assert from "node:assert/strict";
import { compileUntil, OutputLog, waitForOutput } from "../../lib/sessions/mod.ts";

const enc = new TextEncoder();
const later = (ms: number, fn: () => void) => setTimeout(fn, ms);

Deno.test("waitForOutput() returns at once when output is already there", async () => {
  const log = new OutputLog(1024);
  log.append(enc.encode("x"));
  const r = await waitForOutput(log, 0, { timeoutMs: 5000 });
  assert.equal(r.reason, "data");
  assert.ok(r.waitedMs < 1000);
});

Deno.test("waitForOutput() wakes on new output, not on a timer", async () => {
  const log = new OutputLog(1024);
  const t = later(30, () => log.append(enc.encode("hi")));
  const r = await waitForOutput(log, 0, { timeoutMs: 5000 });
  clearTimeout(t);
  assert.equal(r.reason, "data");
});

Deno.test("waitForOutput() waits for an until pattern over ANSI-stripped text, scanning only on change", async () => {
  const log = new OutputLog(1024);
  const re = compileUntil("^ready> $");
  let scans = 0;
  const until = { test: (s: string) => (scans++, re.test(s)) };
  const ts = [
    later(20, () => log.append(enc.encode("booting\r\n"))),
    later(40, () => log.append(enc.encode("\x1b[32mready\x1b[0m> "))),
  ];
  const r = await waitForOutput(log, 0, { until, timeoutMs: 5000 });
  ts.forEach(clearTimeout);
  assert.equal(r.reason, "matched");
  assert.ok(scans <= 4, `scanned ${scans} times`);
});

Deno.test("waitForOutput() does not busy-loop while nothing happens", async () => {
  const log = new OutputLog(1024);
  let scans = 0;
  const r = await waitForOutput(log, 0, {
    until: { test: () => (scans++, false) },
    timeoutMs: 300,
  });
  assert.equal(r.reason, "timeout");
  assert.ok(r.waitedMs >= 290);
  assert.ok(scans <= 2, `scanned ${scans} times`);
});

Deno.test("waitForOutput() returns on idle once output has been quiet long enough", async () => {
  const log = new OutputLog(1024);
  const ts = [0, 20, 40, 60].map((ms) => later(ms, () => log.append(enc.encode("."))));
  const r = await waitForOutput(log, 0, { idleMs: 150, timeoutMs: 5000 });
  ts.forEach(clearTimeout);
  assert.equal(r.reason, "idle");
  assert.equal(log.produced, 4);
  assert.ok(r.waitedMs >= 150);
});

Deno.test("waitForOutput() stops on timeout, end and abort", async () => {
  const log = new OutputLog(1024);
  assert.equal((await waitForOutput(log, 0, { timeoutMs: 0 })).reason, "timeout");
  const ac = new AbortController();
  const t = later(20, () => ac.abort());
  assert.equal(
    (await waitForOutput(log, 0, { timeoutMs: 5000, signal: ac.signal })).reason,
    "aborted",
  );
  clearTimeout(t);
  const t2 = later(20, () => log.end());
  assert.equal(
    (await waitForOutput(log, 0, { until: compileUntil("never"), timeoutMs: 5000 })).reason,
    "ended",
  );
  clearTimeout(t2);
});

Deno.test("compileUntil() rejects an invalid pattern with a TypeError naming until", () => {
  assert.throws(
    () => compileUntil("(unclosed"),
    (e: Error) => e instanceof TypeError && /^until: /.test(e.message),
  );
  // RE2 has no backreferences (linear time): refused rather than run.
  assert.throws(() => compileUntil("(a)\\1"), TypeError);
});
