import assert from "node:assert/strict";
import { Spool, SpoolStore } from "../../lib/jobs/mod.ts";
import { ManualClock } from "../../lib/util/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function bytes(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = 0x41 + ((i + seed) % 26);
  return b;
}

async function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "rs-spool-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("Spool keeps everything under its capacity and reads any range by absolute offset", () =>
  withDir((dir) => {
    const s = Spool.create(`${dir}/job-a.out`, { capacity: 1000 });
    try {
      const data = bytes(700);
      for (let i = 0; i < 700; i += 37) s.append(data.subarray(i, i + 37));
      assert.equal(s.produced, 700);
      assert.equal(s.size, 700);
      assert.equal(s.droppedBytes, 0);
      const r = s.read(123, 300);
      assert.equal(r.cursorStart, 123);
      assert.equal(r.cursorEnd, 423);
      assert.deepEqual(r.bytes, data.subarray(123, 423));
      assert.deepEqual(s.read(0, 10_000).bytes, data);
      assert.equal(Deno.statSync(s.path).mode! & 0o777, 0o600);
    } finally {
      s.delete();
    }
  }));

Deno.test("Spool past its capacity keeps the head and the newest tail; a cursor in the gap moves on", () =>
  withDir((dir) => {
    const s = Spool.create(`${dir}/job-b.out`, { capacity: 100 });
    try {
      const data = bytes(1000);
      for (let i = 0; i < 1000; i += 7) s.append(data.subarray(i, i + 7));
      assert.equal(s.produced, 1000);
      assert.equal(s.size, 100);
      assert.deepEqual(s.read(0, 50).bytes, data.subarray(0, 50), "the head");
      const head = s.read(10, 1000);
      assert.equal(head.cursorEnd, 50, "a read stops at the end of the head");
      const gap = s.read(50, 1000);
      assert.equal(gap.cursorStart, 950);
      assert.equal(gap.droppedBytes, 900);
      assert.deepEqual(gap.bytes, data.subarray(950), "the newest tail, across the ring's wrap");
      assert.deepEqual(s.read(960, 30).bytes, data.subarray(960, 990));
      assert.equal(s.droppedBytes, 900);
    } finally {
      s.delete();
    }
  }));

Deno.test("Spool.skipTo records a gap before the ring; offsets stay absolute", () =>
  withDir((dir) => {
    const s = Spool.create(`${dir}/job-c.out`, { capacity: 1000 });
    try {
      s.append(enc.encode("head-bytes"));
      s.skipTo(5000);
      s.append(enc.encode("tail-bytes"));
      assert.equal(s.produced, 5010);
      assert.equal(dec.decode(s.read(0, 100).bytes), "head-bytes");
      const r = s.read(10, 100);
      assert.equal(r.cursorStart, 5000);
      assert.equal(r.droppedBytes, 4990);
      assert.equal(dec.decode(r.bytes), "tail-bytes");
    } finally {
      s.delete();
    }
  }));

Deno.test("Spool.read never splits a UTF-8 character and honours `end`", () =>
  withDir((dir) => {
    const s = Spool.create(`${dir}/job-d.out`, { capacity: 1000 });
    try {
      s.append(enc.encode("aé€😀z"));
      assert.equal(dec.decode(s.read(0, 2).bytes), "a", "é is held back");
      const mid = s.read(2, 100); // inside é: a caller's cursor is honoured as given
      assert.equal(mid.cursorStart, 2);
      const limited = s.read(0, 100, { end: 4 });
      assert.equal(dec.decode(limited.bytes), "aé");
      const tail = s.read(0, 100);
      assert.equal(dec.decode(tail.bytes), "aé€😀z");
    } finally {
      s.delete();
    }
  }));

Deno.test("Spool freezes its ring when the budget refuses growth", () =>
  withDir((dir) => {
    let budget = 300;
    let forced = 0;
    const s = Spool.create(`${dir}/job-e.out`, {
      capacity: 10_000,
      minRing: 64,
      grow: (n) => {
        if (n > budget) return false;
        budget -= n;
        return true;
      },
      forceGrow: (n) => void (forced += n),
    });
    try {
      const data = bytes(2000);
      for (let i = 0; i < 2000; i += 50) s.append(data.subarray(i, i + 50));
      assert.equal(s.produced, 2000);
      assert.ok(s.size <= 300 + 64, `size ${s.size}`);
      const last = s.read(1990, 100);
      assert.deepEqual(last.bytes, data.subarray(1990), "the newest bytes are kept");
      assert.ok(forced <= 64);
    } finally {
      s.delete();
    }
  }));

Deno.test("SpoolStore makes a 0700 directory, 0600 files, and deletes the oldest ended spools first", () =>
  withDir((root) => {
    const clock = new ManualClock();
    const deleted: string[] = [];
    const store = SpoolStore.open({
      dir: `${root}/jobs`,
      maxBytes: 1000,
      totalBytes: 2500,
      retentionMs: 60_000,
      clock,
      onDelete: (id) => deleted.push(id),
    });
    try {
      assert.equal(Deno.statSync(`${root}/jobs`).mode! & 0o777, 0o700);
      const a = store.create("job-aaa");
      a.append(bytes(1000));
      store.ended("job-aaa");
      clock.advance(10);
      const b = store.create("job-bbb");
      b.append(bytes(1000));
      store.ended("job-bbb");
      const c = store.create("job-ccc");
      c.append(bytes(1000)); // needs room: a (ended first) goes
      assert.deepEqual(deleted, ["job-aaa"]);
      assert.equal(store.totalBytes, 2000);
      assert.equal(store.get("job-aaa"), null);
      assert.throws(() => Deno.statSync(a.path));
      assert.equal(c.size, 1000, "the running job got its room");
    } finally {
      store.close();
    }
  }));

Deno.test("SpoolStore.sweep deletes ended spools past the retention, never running ones", () =>
  withDir((root) => {
    const clock = new ManualClock();
    const store = SpoolStore.open({
      dir: `${root}/jobs`,
      maxBytes: 1000,
      totalBytes: 10_000,
      retentionMs: 60_000,
      clock,
    });
    try {
      store.create("job-old").append(bytes(10));
      store.create("job-live").append(bytes(10));
      store.ended("job-old");
      clock.advance(59_000);
      assert.deepEqual(store.sweep(), []);
      clock.advance(2_000);
      assert.deepEqual(store.sweep(), ["job-old"]);
      assert.ok(store.get("job-live"));
    } finally {
      store.close();
    }
  }));

Deno.test("SpoolStore.open removes expired leftovers of earlier runs and keeps recent ones", () =>
  withDir((root) => {
    const dir = `${root}/jobs`;
    Deno.mkdirSync(dir, { mode: 0o755 });
    Deno.writeTextFileSync(`${dir}/job-stale.out`, "x");
    Deno.writeTextFileSync(`${dir}/job-fresh.out`, "x");
    Deno.writeTextFileSync(`${dir}/notes.txt`, "x");
    const old = new Date(Date.now() - 7_200_000);
    Deno.utimeSync(`${dir}/job-stale.out`, old, old);
    const store = SpoolStore.open({
      dir,
      maxBytes: 1000,
      totalBytes: 10_000,
      retentionMs: 3_600_000,
    });
    store.close();
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "job-fresh.out",
      "notes.txt",
    ]);
    assert.equal(Deno.statSync(dir).mode! & 0o777, 0o700, "an existing directory is tightened");
  }));
