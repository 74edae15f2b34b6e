import assert from "node:assert/strict";
import { OutputCapture } from "../../lib/jobs/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("OutputCapture keeps a small output whole and renders it as it came", () => {
  const c = new OutputCapture(64, 64);
  c.push(enc.encode("one\n"));
  c.push(enc.encode("two\n"));
  assert.equal(c.total, 8);
  assert.deepEqual(c.render(1024), { text: "one\ntwo\n", shownBytes: 8, cutBytes: 0 });
  const p = c.prelude();
  assert.equal(dec.decode(p.head) + dec.decode(p.tail), "one\ntwo\n");
  assert.equal(p.tailStart, p.head.length, "no gap");
  assert.equal(c.lastLine(), "two");
});

Deno.test("OutputCapture keeps the head and the newest tail; the prelude says where the tail starts", () => {
  const c = new OutputCapture(10, 20);
  const all = "0123456789" + "x".repeat(100) + "abcdefghijklmnopqrst";
  for (let i = 0; i < all.length; i += 7) c.push(enc.encode(all.slice(i, i + 7)));
  const p = c.prelude();
  assert.equal(dec.decode(p.head), "0123456789");
  assert.equal(dec.decode(p.tail), "abcdefghijklmnopqrst");
  assert.equal(p.tailStart, all.length - 20);
  const r = c.render(12);
  assert.equal(r.text, "012345\n[... 118 bytes cut ...]\nopqrst");
  assert.equal(r.cutBytes, 118);
});

Deno.test("OutputCapture renders within a limit without splitting characters", () => {
  const c = new OutputCapture(1 << 20, 1 << 20);
  c.push(enc.encode("é".repeat(100)));
  const r = c.render(11);
  assert.ok(!r.text.includes("\ufffd"), r.text);
  assert.equal(r.shownBytes + r.cutBytes, 200);
});

Deno.test("OutputCapture.lastLine strips ANSI and shortens long lines", () => {
  const c = new OutputCapture(16, 4096);
  c.push(enc.encode("first\n\x1b[31mred line\x1b[0m\n\n"));
  assert.equal(c.lastLine(), "red line");
  c.push(enc.encode("y".repeat(500)));
  assert.equal(c.lastLine(10), "yyyyyyyyy…");
});
