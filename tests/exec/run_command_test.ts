import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { buildChildEnv, groupAlive, ProcessGroups, runCommand } from "../../lib/exec/mod.ts";
import { pidAlive } from "../helpers/proc.ts";

const env = buildChildEnv();
const base = { env, timeoutMs: 10_000, maxOutput: 65536 };

Deno.test("runCommand() returns exit code and merged output in arrival order", async () => {
  const r = await runCommand({ shell: "echo one; echo two >&2; echo three; exit 4" }, base);
  assert.equal(r.exitCode, 4);
  assert.equal(r.signal, null);
  assert.equal(r.stdout.text, "one\ntwo\nthree\n");
  assert.equal(r.stderr, null);
  assert.equal(r.timedOut, false);
  assert.equal(r.truncated, false);
});

Deno.test("runCommand() keeps stdout and stderr apart when not merged", async () => {
  const r = await runCommand({ shell: "echo out; echo err >&2" }, { ...base, mergeStderr: false });
  assert.equal(r.stdout.text, "out\n");
  assert.equal(r.stderr?.text, "err\n");
  assert.equal(r.stderr?.sha256, createHash("sha256").update("err\n").digest("hex"));
});

Deno.test("runCommand() reports a shell syntax error in merged mode", async () => {
  const r = await runCommand({ shell: "echo 'oops" }, base);
  assert.equal(r.exitCode, 2);
  assert.match(r.stdout.text, /Unterminated quoted string/);
});

Deno.test("runCommand() feeds stdin and closes it; stdin is /dev/null otherwise", async () => {
  const r = await runCommand({ shell: "cat; echo done" }, { ...base, stdin: "abc\n" });
  assert.equal(r.stdout.text, "abc\ndone\n");
  const n = await runCommand({ shell: "cat; echo end" }, base);
  assert.equal(n.stdout.text, "end\n");
});

Deno.test("runCommand() does not deadlock when the child ignores a large stdin", async () => {
  const big = "x".repeat(8 * 1024 * 1024);
  const r = await runCommand({ shell: "echo ignored" }, { ...base, stdin: big });
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout.text, "ignored\n");
});

Deno.test("runCommand() timeout kills grandchildren and keeps partial output", async () => {
  const groups = new ProcessGroups();
  const r = await runCommand(
    { shell: "echo before; sleep 300 & echo $! ; sleep 300; echo never" },
    { ...base, timeoutMs: 800, killGraceMs: 300, groups },
  );
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, null);
  assert.equal(r.signal, "SIGTERM");
  const [before, grandchild] = r.stdout.text.trim().split("\n");
  assert.equal(before, "before");
  assert.ok(!r.stdout.text.includes("never"));
  assert.equal(pidAlive(Number(grandchild)), false, "the background sleep must be gone");
  assert.equal(groupAlive(r.pid), false);
});

Deno.test("runCommand() escalates to SIGKILL when TERM is ignored", async () => {
  const r = await runCommand(
    { shell: "trap '' TERM; echo armed; while :; do sleep 0.05; done" },
    { ...base, timeoutMs: 500, killGraceMs: 300 },
  );
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, "SIGKILL");
  assert.equal(r.stdout.text, "armed\n");
  assert.equal(groupAlive(r.pid), false);
});

Deno.test("runCommand() cancel through AbortSignal kills the process group", async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const started = Date.now();
  const r = await runCommand({ shell: "echo hi; sleep 100" }, {
    ...base,
    signal: ac.signal,
    killGraceMs: 300,
  });
  assert.equal(r.cancelled, true);
  assert.equal(r.timedOut, false);
  assert.equal(r.stdout.text, "hi\n");
  assert.ok(Date.now() - started < 5000);
  assert.equal(groupAlive(r.pid), false);
});

Deno.test("runCommand() terminates background processes that keep the output open", async () => {
  const r = await runCommand({ shell: "sleep 100 & echo $!" }, { ...base, killGraceMs: 300 });
  assert.equal(r.exitCode, 0);
  assert.equal(r.notes.length, 1);
  assert.match(r.notes[0], /background processes/);
  assert.equal(pidAlive(Number(r.stdout.text.trim())), false);
});

Deno.test("runCommand() streams 100 MB within the cap and hashes every byte", async () => {
  const big = await runCommand({ shell: "yes 0123456789 | head -c 100000000" }, {
    ...base,
    maxOutput: 4096,
  });
  assert.equal(big.stdout.bytes, 100_000_000);
  assert.equal(big.truncated, true);
  assert.ok(big.stdout.text.length < 4200);
  const ref = await runCommand({ shell: "yes 0123456789 | head -c 100000000 | sha256sum" }, base);
  assert.equal(big.stdout.sha256, ref.stdout.text.split(" ")[0]);
});

Deno.test("runCommand() runs an argv without a shell and explains a missing program", async () => {
  const r = await runCommand({ argv: ["printf", "%s|", "a b", "$HOME"] }, base);
  assert.equal(r.stdout.text, "a b|$HOME|");
  await assert.rejects(
    () => runCommand({ argv: ["no-such-program-xyz"] }, base),
    /command: program "no-such-program-xyz" not found in PATH/,
  );
  await assert.rejects(() => runCommand({ argv: [] }, base), /command: is empty/);
});

Deno.test("runCommand() uses cwd and names a bad one", async () => {
  const r = await runCommand({ shell: "pwd" }, { ...base, cwd: "/tmp" });
  assert.equal(r.stdout.text, "/tmp\n");
  await assert.rejects(
    () => runCommand({ shell: "pwd" }, { ...base, cwd: "/no/such/dir" }),
    /cwd: no such directory/,
  );
  await assert.rejects(
    () => runCommand({ shell: "pwd" }, { ...base, cwd: "/etc/hostname" }),
    /cwd: not a directory/,
  );
});

Deno.test("runCommand() reports death by signal", async () => {
  const r = await runCommand({ shell: "kill -KILL $$" }, base);
  assert.equal(r.exitCode, null);
  assert.equal(r.signal, "SIGKILL");
});

Deno.test("ProcessGroups.killAll() terminates groups left behind", async () => {
  const groups = new ProcessGroups();
  const r = await runCommand({ shell: "sleep 100 >/dev/null 2>&1 & echo $!" }, { ...base, groups });
  const bg = Number(r.stdout.text.trim());
  assert.equal(pidAlive(bg), true, "detached from the pipe, the sleep survives the call");
  assert.equal(await groups.killAll(1000), 1);
  assert.equal(pidAlive(bg), false);
});

Deno.test("ProcessGroups works under the relay-shell permission set, where /proc is off limits", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=relay-shell", "--no-prompt", "tests/fixtures/groups_probe.ts"],
    cwd: new URL("../../", import.meta.url).pathname,
    env: {
      DENO_NO_UPDATE_CHECK: "1",
      NO_COLOR: "1",
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
  assert.equal(
    r.procDenied,
    true,
    "Deno requires --allow-all for /proc, so the fallback is exercised",
  );
  assert.equal(r.aliveBefore, true);
  assert.equal(r.killed, 1);
  assert.equal(r.aliveAfter, false);
  assert.equal(pidAlive(r.sleeper), false);
});
