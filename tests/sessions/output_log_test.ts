import assert from "node:assert/strict";
import fc from "fast-check";
import { OutputLog } from "../../lib/sessions/mod.ts";

const enc = new TextEncoder();
const fatal = new TextDecoder("utf-8", { fatal: true });

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

Deno.test("OutputLog.read() returns bytes by absolute cursor and continues where it stopped", () => {
  const log = new OutputLog(64);
  log.append(enc.encode("hello "));
  log.append(enc.encode("world"));
  const a = log.read(0, 6);
  assert.equal(new TextDecoder().decode(a.bytes), "hello ");
  assert.deepEqual([a.cursorStart, a.cursorEnd, a.droppedBytes], [0, 6, 0]);
  const b = log.read(a.cursorEnd, 100);
  assert.equal(new TextDecoder().decode(b.bytes), "world");
  assert.equal(b.cursorEnd, 11);
  assert.equal(log.read(11, 100).bytes.length, 0);
  assert.throws(() => log.read(12, 100), RangeError);
  assert.throws(() => log.read(0, 2), /max_bytes/);
});

Deno.test("OutputLog.read() moves a dropped cursor to the oldest byte and counts the loss", () => {
  const log = new OutputLog(16);
  for (let i = 0; i < 10; i++) log.append(enc.encode("0123456789"));
  assert.equal(log.produced, 100);
  assert.equal(log.oldest, 84);
  assert.equal(log.dropped, 84);
  const r = log.read(10, 1000);
  assert.equal(r.cursorStart, 84);
  assert.equal(r.droppedBytes, 74);
  assert.equal(new TextDecoder().decode(r.bytes), "4567890123456789");
});

Deno.test("OutputLog.append() keeps only the tail of a chunk larger than the ring", () => {
  const log = new OutputLog(16);
  log.append(enc.encode("x".repeat(40) + "abcdefghijklmnop"));
  assert.equal(log.produced, 56);
  assert.equal(new TextDecoder().decode(log.read(0, 100).bytes), "abcdefghijklmnop");
});

Deno.test("OutputLog.read() holds back an incomplete UTF-8 character until it completes or the log ends", () => {
  const log = new OutputLog(64);
  const euro = enc.encode("a€"); // 61 e2 82 ac
  log.append(euro.subarray(0, 3));
  const r = log.read(0, 100);
  assert.deepEqual([...r.bytes], [0x61]);
  assert.equal(r.cursorEnd, 1);
  log.append(euro.subarray(3));
  assert.equal(new TextDecoder().decode(log.read(1, 100).bytes), "€");
  // A character cut by max_bytes is held back too.
  log.append(enc.encode("€"));
  assert.equal(log.read(0, 5).bytes.length, 4);
  // Once the log ended, a truncated character is returned as it is.
  const ended = new OutputLog(64);
  ended.append(euro.subarray(0, 2));
  ended.end();
  assert.equal(ended.read(0, 100).bytes.length, 2);
});

Deno.test("OutputLog.read() skips the rest of a character cut by the drop boundary and counts it as dropped", () => {
  const log = new OutputLog(16);
  log.append(enc.encode("€".repeat(6))); // 18 bytes: the oldest retained byte is inside a character
  const r = log.read(0, 100);
  assert.equal(r.cursorStart, 3);
  assert.equal(r.droppedBytes, 3);
  assert.equal(fatal.decode(r.bytes), "€".repeat(5));
});

Deno.test("OutputLog.read() with text holds back an escape sequence cut at the end", () => {
  const log = new OutputLog(64);
  log.append(enc.encode("red \x1b[3"));
  const r = log.read(0, 100, { holdEscape: true });
  assert.equal(new TextDecoder().decode(r.bytes), "red ");
  log.append(enc.encode("1mX"));
  assert.equal(
    new TextDecoder().decode(log.read(r.cursorEnd, 100, { holdEscape: true }).bytes),
    "\x1b[31mX",
  );
});

Deno.test("OutputLog.changed() resolves on append and on end", async () => {
  const log = new OutputLog(64);
  const p = log.changed();
  log.append(enc.encode("x"));
  await p;
  const q = log.changed();
  log.end();
  await q;
  assert.equal(log.ended, true);
});

const utf8Chunks = fc.array(fc.string({ unit: "binary", maxLength: 40 }), { maxLength: 40 });

Deno.test("OutputLog: reads of valid UTF-8 never split a character and account for every byte (property)", () => {
  fc.assert(
    fc.property(
      utf8Chunks,
      fc.integer({ min: 16, max: 128 }),
      fc.array(fc.integer({ min: 4, max: 64 }), { minLength: 1 }),
      (chunks, cap, sizes) => {
        const log = new OutputLog(cap);
        let cursor = 0;
        let got = 0;
        let dropped = 0;
        let k = 0;
        const step = () => {
          const r = log.read(cursor, sizes[k++ % sizes.length]);
          fatal.decode(r.bytes); // throws on a split character
          assert.equal(r.cursorStart, cursor + r.droppedBytes);
          got += r.bytes.length;
          dropped += r.droppedBytes;
          cursor = r.cursorEnd;
        };
        for (const c of chunks) {
          log.append(enc.encode(c));
          step();
        }
        log.end();
        for (let i = 0; i < 1000 && cursor < log.produced; i++) step();
        assert.equal(cursor, log.produced);
        assert.equal(got + dropped, log.produced);
      },
    ),
  );
});

Deno.test("OutputLog: with no drops the reads concatenate to exactly the input (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 30 }),
      fc.integer({ min: 4, max: 40 }),
      (chunks, size) => {
        const all = concat(chunks);
        const log = new OutputLog(Math.max(16, all.length));
        const parts: Uint8Array[] = [];
        let cursor = 0;
        for (const c of chunks) {
          log.append(c);
          const r = log.read(cursor, size);
          assert.equal(r.droppedBytes, 0);
          parts.push(r.bytes);
          cursor = r.cursorEnd;
        }
        log.end();
        while (cursor < log.produced) {
          const r = log.read(cursor, size);
          parts.push(r.bytes);
          cursor = r.cursorEnd;
        }
        assert.deepEqual(concat(parts), all);
      },
    ),
  );
});

Deno.test("OutputLog: a read from 0 reports dropped = produced - retained exactly (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 100 }), { maxLength: 30 }),
      fc.integer({ min: 16, max: 200 }),
      (chunks, cap) => {
        const log = new OutputLog(cap);
        for (const c of chunks) log.append(c);
        log.end();
        const all = concat(chunks);
        const r = log.read(0, cap + 10);
        const retained = Math.min(cap, all.length);
        // Arbitrary bytes: the start may skip up to 3 continuation bytes at the drop boundary.
        assert.ok(
          r.droppedBytes >= all.length - retained && r.droppedBytes <= all.length - retained + 3,
        );
        assert.equal(r.droppedBytes + r.bytes.length, all.length);
        assert.deepEqual(r.bytes, all.subarray(r.cursorStart));
      },
    ),
  );
});
