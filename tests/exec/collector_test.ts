import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { BoundedCollector, utf8HeadBoundary, utf8TailBoundary } from "../../lib/exec/mod.ts";

const enc = new TextEncoder();

Deno.test("BoundedCollector keeps the whole stream when it fits", () => {
  const c = new BoundedCollector(100);
  c.push(enc.encode("hello "));
  c.push(enc.encode("world"));
  const r = c.render();
  assert.equal(r.text, "hello world");
  assert.equal(r.cutBytes, 0);
  assert.equal(c.totalBytes, 11);
  assert.equal(c.overflowed, false);
});

Deno.test("BoundedCollector shows head and tail around a cut marker when the stream is longer", () => {
  const c = new BoundedCollector(10);
  c.push(enc.encode("0123456789abcdefghij"));
  const r = c.render();
  assert.equal(r.text, "01234\n[... 10 bytes cut ...]\nfghij");
  assert.equal(r.cutBytes, 10);
  assert.equal(r.shownBytes, 10);
  assert.equal(c.totalBytes, 20);
});

Deno.test("BoundedCollector.digest() covers every byte, not just the kept ones", () => {
  const c = new BoundedCollector(16);
  const h = createHash("sha256");
  for (let i = 0; i < 1000; i++) {
    const chunk = enc.encode(`line ${i}\n`);
    c.push(chunk);
    h.update(chunk);
  }
  assert.equal(c.digest(), h.digest("hex"));
});

Deno.test("BoundedCollector.render() never splits a UTF-8 character at either cut", () => {
  const c = new BoundedCollector(11);
  c.push(enc.encode("ééééééééééééééééé")); // 2 bytes each
  const r = c.render();
  assert.ok(!r.text.includes("\ufffd"), r.text);
  assert.match(r.text, /^é+\n\[\.\.\. \d+ bytes cut \.\.\.\]\né+$/);
  assert.equal(r.cutBytes + r.shownBytes, c.totalBytes);
});

Deno.test("BoundedCollector.render(limit) shrinks to a smaller budget", () => {
  const c = new BoundedCollector(100);
  c.push(enc.encode("a".repeat(50) + "b".repeat(50)));
  const r = c.render(10);
  assert.equal(r.text, "aaaaa\n[... 90 bytes cut ...]\nbbbbb");
});

Deno.test("BoundedCollector matches a reference model for any chunking", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }),
      fc.integer({ min: 2, max: 64 }),
      (chunks, cap) => {
        const c = new BoundedCollector(cap);
        const all: number[] = [];
        for (const ch of chunks) {
          c.push(ch);
          all.push(...ch);
        }
        assert.equal(c.totalBytes, all.length);
        const r = c.render();
        assert.equal(r.shownBytes + r.cutBytes, all.length);
        if (all.length <= cap) assert.equal(r.cutBytes, 0);
        else assert.ok(r.shownBytes <= cap);
      },
    ),
    { numRuns: 300, seed: 42 },
  );
});

Deno.test("utf8HeadBoundary() and utf8TailBoundary() find character boundaries", () => {
  const b = enc.encode("a€b"); // 61 e2 82 ac 62
  assert.equal(utf8HeadBoundary(b, 2), 1);
  assert.equal(utf8HeadBoundary(b, 3), 1);
  assert.equal(utf8HeadBoundary(b, 4), 4);
  assert.equal(utf8TailBoundary(b, 2), 4);
  assert.equal(utf8TailBoundary(b, 1), 1);
});

Deno.test("BoundedCollector rejects a capacity below 2", () => {
  assert.throws(() => new BoundedCollector(1), RangeError);
});
