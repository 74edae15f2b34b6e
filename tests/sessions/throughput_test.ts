import assert from "node:assert/strict";
import { spawnIn, testRegistry } from "./_pty_helpers.ts";

const TOTAL = 50_000_000;
const BUFFER = 256 * 1024;

Deno.test("local session: 50 MB through a PTY keeps memory flat and counts dropped bytes exactly", async () => {
  const reg = testRegistry({ bufferBytes: BUFFER });
  // Warm up the PTY path and the allocator so the baseline is a running steady state.
  const warm = spawnIn(reg, ["/bin/sh", "-c", "head -c 2000000 /dev/zero | tr '\\0' a"]);
  await warm.ended;
  const before = Deno.memoryUsage();
  const s = spawnIn(reg, ["/bin/sh", "-c", `head -c ${TOTAL} /dev/zero | tr '\\0' a`]);
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  let peakExt = before.external;
  const sampler = setInterval(() => {
    const m = Deno.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakExt = Math.max(peakExt, m.external);
  }, 25);
  await s.ended;
  clearInterval(sampler);
  assert.equal(s.exitCode, 0);
  assert.equal(s.log.produced, TOTAL);
  const r = s.log.read(0, BUFFER * 2);
  assert.equal(r.bytes.length, BUFFER);
  assert.equal(r.droppedBytes, TOTAL - BUFFER);
  assert.equal(r.cursorStart, TOTAL - BUFFER);
  assert.equal(s.log.dropped, TOTAL - BUFFER);
  assert.ok(r.bytes.every((b) => b === 0x61));
  // Generous bounds: keeping the stream would hold 50 MB more (as ArrayBuffers: `external`). The
  // output path reuses one buffer (BYOB), so what grows is small bookkeeping garbage.
  const liveGrowth = (peakHeap - before.heapUsed) + (peakExt - before.external);
  const rssGrowth = peakRss - before.rss;
  const seen = `heap+external grew by ${(liveGrowth / 1e6).toFixed(1)} MB, RSS by ${
    (rssGrowth / 1e6).toFixed(1)
  } MB`;
  assert.ok(liveGrowth < 24e6, seen); // measured: 1-4 MB
  assert.ok(rssGrowth < 32e6, seen); // measured: 3-10 MB
  await reg.closeAll();
});
