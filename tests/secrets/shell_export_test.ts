import assert from "node:assert/strict";
import { exportInShell, exportLines, ShellExportError } from "../../lib/secrets/mod.ts";
import { execInShell, SessionBusyError } from "../../lib/sessions/mod.ts";
import { watchCmdlines } from "../helpers/cmdline_watch.ts";
import { bashIn, expectOutput, spawnIn, testRegistry, type } from "../sessions/_pty_helpers.ts";

const VALUE = "pty-secret-\x01ctl-'q'-%d-\\-" + "v".repeat(700) + "-end\n2nd line";

for (const shell of [["/bin/bash", "--norc", "--noprofile"], ["/bin/sh"]]) {
  Deno.test(`exportInShell() sets variables in ${shell[0]} without echoing them or exposing them in argv`, async () => {
    const reg = testRegistry();
    try {
      const s = spawnIn(reg, shell);
      await expectOutput(s, "[$#] $");
      const watch = watchCmdlines(["pty-secret-", "vvvvvvvvvv"]);
      await exportInShell(s, { PTY_TOKEN: VALUE, OTHER_ONE: "second-value-xyz" });
      const seen = await watch.stop();
      assert.deepEqual(seen.hits, [], "no value in any /proc/*/cmdline");
      const raw = new TextDecoder().decode(s.log.retained());
      assert.ok(!raw.includes("pty-secret-"), "the value never reached the terminal's output");
      assert.ok(!raw.includes("second-value-xyz"));
      const r = await execInShell(
        s,
        'printf %s "$PTY_TOKEN" | od -An -c | head -c 60; echo; env | grep -c ^OTHER_ONE=second-value-xyz$',
        {
          timeoutMs: 10_000,
          maxBytes: 65536,
        },
      );
      assert.match(r.output, /p {3}t {3}y {3}- {3}s/);
      assert.match(r.output, /\n1\r?\n$/, "exported to children");
      const round = await execInShell(
        s,
        'test "$PTY_TOKEN" = "$(printf \'pty-secret-\\001ctl-\\047q\\047-%%d-\\\\-\')$(printf "%0700d" 0 | tr 0 v)-end\n2nd line" && echo same',
        {
          timeoutMs: 10_000,
          maxBytes: 4096,
        },
      );
      assert.match(round.output, /same/, "the value arrives byte for byte");
      const echo = await execInShell(s, "stty -a | grep -o ' echo '", {
        timeoutMs: 5000,
        maxBytes: 4096,
      });
      assert.match(echo.output, / echo /, "echo is back on");
    } finally {
      await reg.closeAll();
    }
  });
}

Deno.test("exportInShell() refuses a busy terminal and a non-shell, and validates names first", async () => {
  const reg = testRegistry();
  try {
    const s = bashIn(reg);
    await expectOutput(s, "[$#] $");
    await type(s, "sleep 30\r");
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(() => exportInShell(s, { A_VAR: "value-123456" }), SessionBusyError);
    await type(s, "\x03");
    const cat = spawnIn(reg, ["/bin/cat"]);
    await assert.rejects(() => exportInShell(cat, { A_VAR: "value-123456" }), TypeError);
    assert.throws(() => exportLines({ "bad name": "x" }), TypeError);
    assert.ok(new ShellExportError("sh-1", "x").message.includes("sh-1"));
  } finally {
    await reg.closeAll();
  }
});

Deno.test("exportInShell() sends no value to a shell whose printf is not a builtin", async () => {
  const reg = testRegistry();
  try {
    const s = bashIn(reg);
    await expectOutput(s, "[$#] $");
    await execInShell(s, "enable -n printf", { timeoutMs: 5000, maxBytes: 4096 });
    // The marker after it came from /usr/bin/printf now: let that process leave the foreground.
    while (s.foregroundBusy()) await new Promise((r) => setTimeout(r, 10));
    const watch = watchCmdlines(["no-builtin-secret"]);
    await assert.rejects(
      () => exportInShell(s, { NB_TOKEN: "no-builtin-secret-1" }),
      (e: Error) => e instanceof ShellExportError && /no builtin printf/.test(e.message),
    );
    assert.deepEqual((await watch.stop()).hits, []);
    const echo = await execInShell(s, "stty -a | grep -o ' echo '; echo \"[${NB_TOKEN:-unset}]\"", {
      timeoutMs: 5000,
      maxBytes: 4096,
    });
    assert.match(echo.output, / echo \r?\n\[unset\]/);
  } finally {
    await reg.closeAll();
  }
});
