import assert from "node:assert/strict";
import { splitWords } from "../../lib/exec/mod.ts";

Deno.test("splitWords() splits on whitespace and honours quotes and escapes", () => {
  assert.deepEqual(splitWords("ls -la /tmp"), ["ls", "-la", "/tmp"]);
  assert.deepEqual(splitWords(`echo 'a b' "c d" e\\ f`), ["echo", "a b", "c d", "e f"]);
  assert.deepEqual(splitWords(`printf "%s\\n" "\\"q\\""`), ["printf", "%s\\n", '"q"']);
  assert.deepEqual(splitWords(`a''b ""`), ["ab", ""]);
  assert.deepEqual(splitWords("  \t "), []);
});

Deno.test("splitWords() performs no expansion", () => {
  assert.deepEqual(splitWords("echo $HOME * `x`"), ["echo", "$HOME", "*", "`x`"]);
});

Deno.test("splitWords() names the argument on an unterminated quote", () => {
  assert.throws(() => splitWords("echo 'oops"), /command: unterminated single quote/);
  assert.throws(() => splitWords('echo "oops', "cmd"), /cmd: unterminated double quote/);
});
