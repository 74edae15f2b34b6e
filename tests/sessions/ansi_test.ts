import assert from "node:assert/strict";
import fc from "fast-check";
import { incompleteEscapeStart, stripAnsi } from "../../lib/sessions/mod.ts";

const enc = new TextEncoder();

Deno.test("stripAnsi() removes CSI, OSC (BEL and ST), charset selects, DCS and lone ESC sequences", () => {
  assert.equal(stripAnsi("\x1b[1;31mred\x1b[0m plain"), "red plain");
  assert.equal(stripAnsi("\x1b]0;my title\x07after"), "after");
  assert.equal(stripAnsi("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"), "link");
  assert.equal(stripAnsi("\x1b(Bab\x1b)0c"), "abc");
  assert.equal(stripAnsi("\x1bPq#0;2;0;0;0\x1b\\done"), "done");
  assert.equal(stripAnsi("\x1b7saved\x1b8\x1b=\x1b>"), "saved");
  assert.equal(stripAnsi("\x1b[?2004hprompt$ \x1b[?2004l"), "prompt$ ");
  assert.equal(stripAnsi("a\x1b"), "a");
  assert.equal(stripAnsi("\x1b[31"), "");
});

Deno.test("stripAnsi() reads \\r\\n as a newline, lets text after a bare \\r replace the line, applies backspace", () => {
  assert.equal(stripAnsi("one\r\ntwo\r\n"), "one\ntwo\n");
  assert.equal(stripAnsi(" 10%\r 50%\r100%\r\ndone"), "100%\ndone");
  assert.equal(stripAnsi("kept\r"), "kept");
  assert.equal(stripAnsi("abc\b\bX"), "aX");
  assert.equal(stripAnsi("abc\b \b"), "ab");
  assert.equal(stripAnsi("bell\x07\x00\x7f\u009b!"), "bell!");
  assert.equal(stripAnsi("tab\there"), "tab\there");
  assert.equal(stripAnsi("😀\b"), "");
});

Deno.test("stripAnsi() leaves text without controls unchanged (property)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme" }), (s) => {
      // deno-lint-ignore no-control-regex
      const plain = s.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, "");
      assert.equal(stripAnsi(plain), plain);
    }),
  );
});

Deno.test("stripAnsi() output never holds an ESC (property)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (s) => assert.ok(!stripAnsi(s).includes("\x1b"))),
  );
});

Deno.test("incompleteEscapeStart() finds a sequence cut at the end and nothing else", () => {
  assert.equal(incompleteEscapeStart(enc.encode("ab\x1b[3")), 2);
  assert.equal(incompleteEscapeStart(enc.encode("ab\x1b")), 2);
  assert.equal(incompleteEscapeStart(enc.encode("ab\x1b]0;title")), 2);
  assert.equal(incompleteEscapeStart(enc.encode("ab\x1b]0;title\x1b")), 2);
  assert.equal(incompleteEscapeStart(enc.encode("ab\x1b[31mcd")), -1);
  assert.equal(incompleteEscapeStart(enc.encode("ab\x1b]0;t\x1b\\")), -1);
  assert.equal(incompleteEscapeStart(enc.encode("plain")), -1);
});
