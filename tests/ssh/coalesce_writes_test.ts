import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import { COALESCE_FLUSH_BYTES, coalesceWrites } from "../../lib/ssh/coalesce_writes.ts";

/** A duplex that records every write that reaches it. */
function recorder() {
  const writes: Buffer[] = [];
  const sock = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      writes.push(Buffer.from(chunk));
      cb();
    },
  });
  return { sock, writes };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const b = (s: string) => Buffer.from(s);

Deno.test("coalesceWrites sends the writes of one synchronous run as one write, in order", async () => {
  const { sock, writes } = recorder();
  coalesceWrites(sock);
  sock.write(b("len|"));
  sock.write(b("payload|"));
  sock.write(b("mac"));
  assert.equal(writes.length, 0, "nothing is written before the run ends");
  await tick();
  assert.deepEqual(writes.map(String), ["len|payload|mac"]);
  sock.write(b("next"));
  await tick();
  assert.deepEqual(writes.map(String), ["len|payload|mac", "next"]);
});

Deno.test("coalesceWrites: end() sends what is queued first", async () => {
  const { sock, writes } = recorder();
  coalesceWrites(sock);
  sock.write(b("a"));
  sock.write(b("b"));
  sock.end(b("z"));
  await tick();
  assert.deepEqual(writes.map(String), ["ab", "z"]);
});

Deno.test("coalesceWrites: a write with a callback or a string keeps its place", async () => {
  const { sock, writes } = recorder();
  coalesceWrites(sock);
  let called = false;
  sock.write(b("a"));
  sock.write(b("b"), () => (called = true));
  sock.write("c");
  sock.write(b("d"));
  await tick();
  assert.deepEqual(writes.map(String), ["a", "b", "c", "d"]);
  assert.ok(called);
});

Deno.test("coalesceWrites writes a large backlog at once", () => {
  const { sock, writes } = recorder();
  coalesceWrites(sock);
  const half = Buffer.alloc(COALESCE_FLUSH_BYTES / 2, 1);
  sock.write(half);
  assert.equal(writes.length, 0);
  sock.write(half);
  assert.equal(writes.length, 1, "flushed synchronously at the threshold");
  assert.equal(writes[0].length, COALESCE_FLUSH_BYTES);
});

Deno.test("coalesceWrites drops what is queued when the socket is destroyed", async () => {
  const { sock, writes } = recorder();
  coalesceWrites(sock);
  sock.on("error", () => {});
  sock.write(b("lost"));
  sock.destroy();
  await tick();
  assert.equal(writes.length, 0);
});
