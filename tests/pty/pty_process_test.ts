import assert from "node:assert/strict";
import { buildChildEnv } from "../../lib/exec/mod.ts";
import { PtyClosedError, type PtyProcess, sessionMembers, spawnPty } from "../../lib/pty/mod.ts";
import { pidAlive } from "../helpers/proc.ts";

const env = { ...buildChildEnv(), TERM: "xterm-256color" };
const dec = new TextDecoder();

/** Reads the PTY's output into a growing string in the background. */
function follow(p: PtyProcess): { text: () => string; done: Promise<void> } {
  let s = "";
  const done = (async () => {
    for await (const c of p.readable) s += dec.decode(c, { stream: true });
  })();
  return { text: () => s, done };
}

async function until(get: () => string, re: RegExp, ms = 10_000): Promise<string> {
  const end = Date.now() + ms;
  while (!re.test(get())) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${re}; got ${JSON.stringify(get())}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return get();
}

function openFds(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

Deno.test("spawnPty() makes the slave the controlling terminal of a session and group leader", async () => {
  const p = spawnPty(["/bin/sh", "-c", "tty; stty size; ps -o pid=,pgid=,sid=,tty= -p $$; env"], {
    env,
    cols: 100,
    rows: 30,
  });
  const out = follow(p);
  const exit = await p.exited;
  await out.done;
  await p.close();
  assert.deepEqual(exit, { exitCode: 0, signal: null });
  const text = out.text();
  const tty = /^(\/dev\/pts\/\d+)\r$/m.exec(text)?.[1];
  assert.ok(tty, text);
  assert.match(text, /^30 100\r$/m);
  const ids = new RegExp(`^\\s*${p.pid}\\s+(\\d+)\\s+(\\d+)\\s+(pts/\\d+)`, "m").exec(text);
  assert.ok(ids, text);
  assert.deepEqual([Number(ids[1]), Number(ids[2]), `/dev/${ids[3]}`], [p.pid, p.pid, tty]);
  // The slave path is passed as $0, not through the environment.
  const envLines = text.split("\r\n").filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(l));
  assert.ok(envLines.length > 3);
  assert.ok(!envLines.some((l) => l.includes(tty!)), "slave path leaked into the environment");
});

Deno.test("spawnPty() delivers Ctrl-C to a program started directly (no shell)", async () => {
  const p = spawnPty(["sleep", "100"], { env, cols: 80, rows: 24 });
  const out = follow(p);
  // Once the pid runs `sleep`, setsid -c has already made the terminal its controlling tty.
  await until(() => Deno.readTextFileSync(`/proc/${p.pid}/comm`), /^sleep/);
  await p.write(new Uint8Array([0x03]));
  const exit = await p.exited;
  await out.done;
  await p.close();
  assert.deepEqual(exit, { exitCode: null, signal: "SIGINT" });
});

Deno.test("PtyProcess.resize() is seen by stty size inside", async () => {
  const p = spawnPty(["/bin/sh", "-c", "stty size; read x; stty size"], {
    env,
    cols: 80,
    rows: 24,
  });
  const out = follow(p);
  await until(out.text, /24 80/);
  p.resize(132, 50);
  await p.write(new TextEncoder().encode("\r"));
  await until(out.text, /50 132/);
  await p.exited;
  await out.done;
  await p.close();
});

Deno.test("PtyProcess.write() throws PtyClosedError once the program exited", async () => {
  const p = spawnPty(["true"], { env, cols: 80, rows: 24 });
  const out = follow(p);
  await p.exited;
  await assert.rejects(() => p.write(new Uint8Array([0x61])), PtyClosedError);
  await out.done;
  await p.close();
  await assert.rejects(() => p.write(new Uint8Array([0x61])), PtyClosedError);
});

Deno.test("PtyProcess.close() ends background jobs in other process groups of the session", async () => {
  const p = spawnPty([
    "/bin/bash",
    "--norc",
    "--noprofile",
    "-c",
    "set -m; sleep 300 & sleep 301 & echo started; wait",
  ], {
    env,
    cols: 80,
    rows: 24,
  });
  const out = follow(p);
  await until(out.text, /started/);
  const members = sessionMembers(p.pid);
  assert.ok(members.length >= 3, JSON.stringify(members));
  assert.ok(
    new Set(members.map((m) => m.pgid)).size >= 3,
    "job control should give each job its own group",
  );
  const exit = await p.close(500);
  await out.done;
  assert.equal(exit.exitCode === 0, false);
  for (const m of members) assert.equal(pidAlive(m.pid), false, `pid ${m.pid} survived`);
  assert.deepEqual(sessionMembers(p.pid), []);
});

Deno.test("spawnPty() leaks no descriptor when the spawn fails or after close", async () => {
  const before = openFds();
  assert.throws(() =>
    spawnPty(["true"], {
      env,
      cols: 80,
      rows: 24,
      spawner: () => {
        throw new Error("spawn refused");
      },
    }), /spawn refused/);
  assert.throws(() => spawnPty(["true"], { env, cols: 80, rows: 24, cwd: "/nonexistent/dir" }));
  assert.equal(openFds(), before);
  const p = spawnPty(["true"], { env, cols: 80, rows: 24 });
  const out = follow(p);
  await p.exited;
  await out.done;
  await p.close();
  assert.equal(openFds(), before);
});
