/** StartLineWatcher: the wrapper's `<marker> <pgid>` line is found across chunks and stripped. */
import assert from "node:assert/strict";
import { StartLineWatcher } from "../../lib/ssh/remote_start.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (parts: Uint8Array[]) => parts.map((p) => dec.decode(p)).join("");

Deno.test("StartLineWatcher passes bytes around the start line on and keeps the pgid", () => {
  const w = new StartLineWatcher("RSG_ab12");
  const a = w.feed(enc.encode("rc noise\nRSG_a"));
  assert.deepEqual(a, { pass: [], started: false });
  const b = w.feed(enc.encode("b12 4242\nerr 1\n"));
  assert.equal(b.started, true);
  assert.equal(text(b.pass), "rc noise\nerr 1\n");
  assert.equal(w.pgid, 4242);
  assert.equal(text(w.feed(enc.encode("later")).pass), "later");
  assert.deepEqual(w.flush(), []);
});

Deno.test("StartLineWatcher under sudo withholds what came before; unstarted output is flushed", () => {
  const s = new StartLineWatcher("RSS_x", true);
  const r = s.feed(enc.encode("RSP_p:Sorry, try again.\nRSS_x 77\nout"));
  assert.equal(text(r.pass), "out");
  assert.equal(s.heldText(), "RSP_p:Sorry, try again.\n");
  const n = new StartLineWatcher("RSG_n");
  n.feed(enc.encode("sh: 1: /bin/sh: not found\n"));
  assert.equal(text(n.flush()), "sh: 1: /bin/sh: not found\n");
  assert.equal(n.pgid, null);
  const bad = new StartLineWatcher("RSG_q");
  assert.equal(bad.feed(enc.encode("RSG_q x\n")).started, true);
  assert.equal(bad.pgid, null, "a malformed pgid is not used");
});
