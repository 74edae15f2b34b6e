import assert from "node:assert/strict";
import { sessionMembers } from "../../lib/pty/mod.ts";
import { execInShell, keyBytes } from "../../lib/sessions/mod.ts";
import { SessionExitedError, SessionLimitError, spawnLocalPty } from "../../lib/sessions/mod.ts";
import { pidAlive } from "../helpers/proc.ts";
import { bashIn, expectOutput, PTY_ENV, spawnIn, testRegistry, type } from "./_pty_helpers.ts";

Deno.test("local session: bash runs commands typed into it", async () => {
  const reg = testRegistry();
  const s = bashIn(reg);
  await type(s, "echo $((6*7))\r");
  await expectOutput(s, "^42$");
  await reg.closeAll();
});

Deno.test("local session: the python3 REPL answers 1+1", async () => {
  const reg = testRegistry();
  const s = spawnIn(reg, ["python3", "-q"]);
  await expectOutput(s, ">>> $");
  const at = s.log.produced;
  await type(s, "1+1\r");
  await expectOutput(s, "^2$", at);
  await type(s, "exit()\r");
  await s.ended;
  assert.equal(s.exitCode, 0);
  await reg.closeAll();
});

Deno.test("local session: a read -s password prompt is answered without echo", async () => {
  const reg = testRegistry();
  const s = bashIn(reg);
  await type(s, "read -s -p 'Password: ' pw; echo; echo \"got ${#pw} chars\"\r");
  await expectOutput(s, "Password: $");
  const at = s.log.produced;
  await type(s, "hunter2\r");
  const text = await expectOutput(s, "got 7 chars", at);
  assert.ok(!text.includes("hunter2"), text);
  await reg.closeAll();
});

Deno.test("local session: ctrl-c interrupts sleep 100 started directly", async () => {
  const reg = testRegistry();
  const s = spawnIn(reg, ["sleep", "100"]);
  await waitComm(s.pid!, "sleep");
  await type(s, keyBytes("ctrl-c"));
  await s.ended;
  assert.equal(s.exitSignal, "SIGINT");
  await reg.closeAll();
});

Deno.test("local session: a resize is seen by stty size", async () => {
  const reg = testRegistry();
  const s = bashIn(reg);
  assert.equal(
    (await execInShell(s, "stty size", { timeoutMs: 10_000, maxBytes: 4096 })).output,
    "40 120\n",
  );
  s.resize(100, 30);
  assert.equal(
    (await execInShell(s, "stty size", { timeoutMs: 10_000, maxBytes: 4096 })).output,
    "30 100\n",
  );
  await reg.closeAll();
});

Deno.test("local session: sending to an exited session is an error", async () => {
  const reg = testRegistry();
  const s = spawnIn(reg, ["true"]);
  await s.ended;
  await assert.rejects(() => type(s, "x"), SessionExitedError);
  await reg.closeAll();
});

Deno.test("local session: the screen format shows less as text rows", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/lines.txt`;
  await Deno.writeTextFile(
    file,
    Array.from({ length: 200 }, (_, i) => `line number ${i + 1}`).join("\n"),
  );
  const reg = testRegistry();
  const s = spawnIn(reg, ["less", file], 60, 10);
  await expectOutput(s, "line number 9");
  const screen = await s.screen().render();
  const rows = screen.text.split("\n");
  assert.equal(rows[0], "line number 1");
  assert.equal(rows[8], "line number 9");
  assert.equal(rows.length, 10);
  let at = s.log.produced;
  await type(s, " "); // next page
  await expectOutput(s, "line number 18", at);
  const next = (await s.screen().render()).text.split("\n");
  assert.equal(next[0], "line number 10");
  at = s.log.produced;
  await type(s, "q");
  await s.ended;
  await reg.closeAll();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("local session: the screen format shows vi editing a file", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/poem.txt`;
  await Deno.writeTextFile(file, "roses are red\nviolets are blue\n");
  const reg = testRegistry();
  const s = spawnIn(reg, ["vi", "-u", "NONE", "-N", file], 50, 8);
  await expectOutput(s, "violets");
  let rows = (await s.screen().render()).text.split("\n");
  assert.equal(rows[0], "roses are red");
  assert.equal(rows[1], "violets are blue");
  assert.match(rows[2], /^~/);
  const at = s.log.produced;
  await type(s, "ggiHELLO " + keyBytes("esc"));
  await expectOutput(s, "HELLO", at);
  rows = (await s.screen().render()).text.split("\n");
  assert.equal(rows[0], "HELLO roses are red");
  await type(s, ":q!\r");
  await s.ended;
  await reg.closeAll();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("local session: the session limit holds for real terminals", async () => {
  const reg = testRegistry({ maxSessions: 1 });
  bashIn(reg);
  const extra = spawnLocalPty(["/bin/bash", "--norc"], { env: PTY_ENV, cols: 80, rows: 24 });
  assert.throws(() => reg.add(extra), SessionLimitError);
  await extra.close(500); // the caller closes what it made
  await reg.closeAll();
});

Deno.test("local session: kill leaves no process of the session behind", async () => {
  const reg = testRegistry();
  const s = bashIn(reg);
  await type(s, "set -m; sleep 300 & sleep 301 & (sleep 302; :) & echo bg-$!\r");
  await expectOutput(s, "bg-\\d+");
  const pid = s.pid!;
  const members = sessionMembers(pid);
  assert.ok(members.length >= 4, JSON.stringify(members));
  const r = await reg.kill(s.id, "SIGTERM", true);
  assert.equal(r.closed, true);
  for (const m of members) assert.equal(pidAlive(m.pid), false, `pid ${m.pid} survived`);
  assert.deepEqual(sessionMembers(pid), []);
  assert.equal(reg.size, 0);
});

Deno.test("local session: closeAll on shutdown leaves no zombie and no orphan", async () => {
  const reg = testRegistry();
  const sessions = [bashIn(reg), bashIn(reg), spawnIn(reg, ["sleep", "300"])];
  await type(sessions[0], "sleep 303 &\r");
  await expectOutput(sessions[0], "\\[1\\] \\d+");
  const pids = sessions.map((x) => x.pid!);
  const members = pids.flatMap((p) => sessionMembers(p));
  assert.ok(members.length >= 4);
  await reg.closeAll();
  for (const m of members) assert.equal(pidAlive(m.pid), false, `pid ${m.pid} survived`);
  // Deno reaped its children: none of them is left as a zombie either.
  for (const p of pids) assert.throws(() => Deno.readTextFileSync(`/proc/${p}/stat`));
});

async function waitComm(pid: number, name: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!Deno.readTextFileSync(`/proc/${pid}/comm`).startsWith(name)) {
    if (Date.now() > end) throw new Error(`pid ${pid} never ran ${name}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
