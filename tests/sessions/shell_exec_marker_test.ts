import assert from "node:assert/strict";
import {
  execInShell,
  markedCommandLine,
  parseMarked,
  printfEscape,
  SessionBusyError,
  SessionExitedError,
} from "../../lib/sessions/mod.ts";
import { bashIn, expectOutput, spawnIn, testRegistry, type } from "./_pty_helpers.ts";

const opts = { timeoutMs: 15_000, maxBytes: 65536 };

Deno.test("markedCommandLine() is one line whose echo never holds a whole marker", () => {
  const line = markedCommandLine("cat <<EOF\nhi\tthere 'q' %d \\n\nEOF\n", "abc123");
  assert.ok(!line.includes("\n") && !line.includes("\t"));
  assert.ok(!line.includes("__RS_abc123_B"));
  assert.ok(!line.includes("__RS_abc123_E:"));
  assert.equal(printfEscape("a'b\\c%d\x03\n"), "a\\047b\\\\c%%d\\003\\012");
  assert.equal(printfEscape("-n"), "\\055n");
});

Deno.test("parseMarked() takes the text between the markers and the exit code", () => {
  const t = "echo\n__RS_n1_B\nout\nmore\n__RS_n1_E:3\n$ ";
  assert.deepEqual(parseMarked(t, "n1", { startKnown: true }), {
    output: "out\nmore\n",
    exitCode: 3,
    found: true,
  });
  assert.deepEqual(parseMarked("__RS_n1_B\npartial", "n1", { startKnown: true }), {
    output: "partial",
    exitCode: null,
    found: false,
  });
  assert.deepEqual(
    parseMarked("tail of a long run\n__RS_n1_E:0\n", "n1", { startKnown: false }).output,
    "tail of a long run\n",
  );
});

Deno.test("execInShell() keeps cd and exported variables across calls and returns exit codes", async () => {
  const reg = testRegistry();
  const s = bashIn(reg);
  const dir = await Deno.makeTempDir();
  assert.deepEqual(
    { ...await execInShell(s, `cd ${dir} && export RS_TEST_VAR=kept`, opts), cursorEnd: 0 },
    {
      output: "",
      exitCode: 0,
      timedOut: false,
      sessionExited: false,
      droppedBytes: 0,
      cutBytes: 0,
      cursorEnd: 0,
    },
  );
  const r = await execInShell(s, "pwd; echo $RS_TEST_VAR; false", opts);
  assert.equal(r.output, `${dir}\nkept\n`);
  assert.equal(r.exitCode, 1);
  assert.equal((await execInShell(s, "(exit 42)", opts)).exitCode, 42);
  assert.equal((await execInShell(s, "printf 'no newline'", opts)).output, "no newline");
  await reg.closeAll();
  await Deno.remove(dir);
});

Deno.test("execInShell() is not fooled by output that holds the marker prefix", async () => {
  const reg = testRegistry();
  const s = bashIn(reg);
  const r = await execInShell(
    s,
    "echo __RS_; echo __RS_x_B; echo __RS_x_E:0; exit_fake=1; (exit 5)",
    opts,
  );
  assert.equal(r.output, "__RS_\n__RS_x_B\n__RS_x_E:0\n");
  assert.equal(r.exitCode, 5);
  await reg.closeAll();
});

Deno.test("execInShell() runs multi-line commands, heredocs and tabs verbatim", async () => {
  const reg = testRegistry();
  const s = bashIn(reg);
  const r = await execInShell(
    s,
    "for i in 1 2; do\n  echo \"n=$i\"\ndone\ncat <<'EOF'\n\ta%b 'q' \\n\nEOF",
    opts,
  );
  assert.equal(r.output, "n=1\nn=2\n\ta%b 'q' \\n\n");
  assert.equal(r.exitCode, 0);
  await reg.closeAll();
});

Deno.test("execInShell() on timeout returns what it saw and leaves the command running", async () => {
  const reg = testRegistry();
  const s = bashIn(reg);
  const r = await execInShell(s, "echo started; sleep 1.5; echo finished", {
    timeoutMs: 300,
    maxBytes: 4096,
  });
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, null);
  assert.equal(r.output, "started\n");
  // The command still holds the terminal: a second exec says so instead of typing into it.
  await assert.rejects(() => execInShell(s, "true", opts), SessionBusyError);
  await expectOutput(s, "finished", r.cursorEnd);
  await expectOutput(s, "[$#] $", r.cursorEnd); // the prompt is back
  assert.equal((await execInShell(s, "echo usable", opts)).output, "usable\n");
  await reg.closeAll();
});

Deno.test("execInShell() refuses a second concurrent call on the same session", async () => {
  const reg = testRegistry();
  const s = bashIn(reg);
  const first = execInShell(s, "sleep 0.3", opts);
  await assert.rejects(() => execInShell(s, "true", opts), SessionBusyError);
  assert.equal((await first).exitCode, 0);
  await reg.closeAll();
});

Deno.test("execInShell() reports the exit when the command ends the shell", async () => {
  const reg = testRegistry();
  const s = bashIn(reg);
  const r = await execInShell(s, "exit 3", opts);
  assert.equal(r.sessionExited, true);
  assert.equal(r.exitCode, 3);
  assert.equal(r.timedOut, false);
  await assert.rejects(() => execInShell(s, "true", opts), SessionExitedError);
  await reg.closeAll();
});

Deno.test("execInShell() refuses a session that is not a POSIX shell", async () => {
  const reg = testRegistry();
  const s = spawnIn(reg, ["python3", "-q"]);
  await assert.rejects(
    () => execInShell(s, "print(1)", opts),
    (e: Error) => e instanceof TypeError && /not a POSIX shell/.test(e.message),
  );
  await type(s, "exit()\r");
  await reg.closeAll();
});

Deno.test("execInShell() keeps the tail when the output exceeds maxBytes", async () => {
  const reg = testRegistry();
  const s = bashIn(reg);
  const r = await execInShell(s, "seq 1 2000", { timeoutMs: 15_000, maxBytes: 100 });
  assert.ok(r.output.endsWith("1999\n2000\n"));
  assert.ok(new TextEncoder().encode(r.output).length <= 100);
  assert.ok(r.cutBytes > 8000);
  await reg.closeAll();
});
