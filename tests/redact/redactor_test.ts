import assert from "node:assert/strict";
import { REDACTED, Redactor } from "../../lib/redact/mod.ts";
import { CLEAN_MEMO_MAX_LENGTH } from "../../lib/redact/redactor.ts";

Deno.test("Redactor.register() reports new values and ignores empty and repeated ones", () => {
  const redactor = new Redactor();
  assert.equal(redactor.register("s3cret"), true);
  assert.equal(redactor.register("s3cret"), false);
  assert.equal(redactor.register(""), false);
  assert.equal(redactor.size, 1);
});

Deno.test("Redactor.register() names the argument when it is not a string", () => {
  assert.throws(() => new Redactor().register(42 as unknown as string), TypeError);
});

Deno.test("Redactor.redactLiterals() replaces every occurrence", () => {
  const redactor = new Redactor();
  redactor.register("s3cret");
  assert.equal(
    redactor.redactLiterals("a s3cret b s3cret\ns3crets3cret"),
    `a ${REDACTED} b ${REDACTED}\n${REDACTED}${REDACTED}`,
  );
});

Deno.test("Redactor.redactLiterals() prefers the longest value when one contains another", () => {
  const redactor = new Redactor();
  redactor.register("secret");
  redactor.register("secret123");
  redactor.register("123");
  assert.equal(redactor.redactLiterals("x secret123 y secret z"), `x ${REDACTED} y ${REDACTED} z`);
});

Deno.test("Redactor.redactLiterals() hides the union of overlapping values", () => {
  const redactor = new Redactor();
  redactor.register("abcd");
  redactor.register("cdef");
  assert.equal(redactor.redactLiterals("[abcdef]"), `[${REDACTED}]`);
  // Adjacent (not overlapping) occurrences stay separate placeholders.
  assert.equal(redactor.redactLiterals("xabcdefcdefy"), `x${REDACTED}${REDACTED}y`);
});

Deno.test("Redactor.redactLiterals() treats values as literal text, not patterns", () => {
  const redactor = new Redactor();
  redactor.register("a.b*c(d)|$^/\\-[x]{2}");
  assert.equal(redactor.redactLiterals("aXbbc(d) a.b*c(d)|$^/\\-[x]{2}!"), `aXbbc(d) ${REDACTED}!`);
});

Deno.test("Redactor.redactLiterals() leaves patterns alone", () => {
  const redactor = new Redactor();
  assert.equal(redactor.redactLiterals("password=x"), "password=x");
  redactor.register("zzz");
  assert.equal(redactor.redactLiterals("password=x"), "password=x");
});

Deno.test("Redactor.unregister() and clear() forget values", () => {
  const redactor = new Redactor();
  redactor.register("one");
  redactor.register("two");
  assert.equal(redactor.redactLiterals("one two"), `${REDACTED} ${REDACTED}`);
  assert.equal(redactor.unregister("one"), true);
  assert.equal(redactor.unregister("one"), false);
  assert.equal(redactor.redactLiterals("one two"), `one ${REDACTED}`);
  redactor.clear();
  assert.equal(redactor.size, 0);
  assert.equal(redactor.redactLiterals("one two"), "one two");
  redactor.register("one");
  assert.equal(redactor.redactLiterals("one two"), `${REDACTED} two`);
});

Deno.test("Redactor.redact() applies the patterns and then the registered values", () => {
  const redactor = new Redactor();
  redactor.register("hunter2");
  assert.equal(
    redactor.redact("password=x; echo hunter2"),
    `password=${REDACTED} echo ${REDACTED}`,
  );
});

Deno.test("Redactor.redactArgs() uses registered values and maxLength", () => {
  const redactor = new Redactor();
  redactor.register("hunter2");
  assert.deepEqual(redactor.redactArgs({ cmd: "echo hunter2 token=x" }), {
    cmd: `echo ${REDACTED} token=${REDACTED}`,
  });
  assert.equal(redactor.redactArgs("hunter2 and more", 12), `${REDACTED} a...(+7)`);
});

Deno.test("Redactor.redactLiterals() hides dozens of values in 1 MiB of text", () => {
  const redactor = new Redactor();
  const values = Array.from(
    { length: 48 },
    (_, i) => `val-${i.toString(36)}-${"k".repeat(i % 9)}q${i}`,
  );
  for (const v of values) redactor.register(v);
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < 1 << 20; i++) {
    const part = `line ${i} of ordinary output; ${i % 50 === 0 ? values[i % values.length] : ""}\n`;
    parts.push(part);
    length += part.length;
  }
  const out = redactor.redactLiterals(parts.join(""));
  for (const v of values) assert.ok(!out.includes(v), v);
  assert.ok(out.includes(REDACTED));
});

Deno.test("Redactor.redact remembers clean text without missing a value registered later or a pattern", () => {
  const r = new Redactor();
  const text = "deploy --host web1 hunter2-ok";
  assert.equal(r.redact(text), text);
  assert.equal(r.redact(text), text);
  // A value registered after the text was seen clean is still hidden.
  r.register("hunter2-ok");
  assert.equal(r.redact(text), `deploy --host web1 ${REDACTED}`);
  // Text the patterns change is redacted every time (and never kept).
  const token = "token ghp_" + "a".repeat(36);
  const once = r.redact(token);
  assert.notEqual(once, token);
  assert.equal(r.redact(token), once);
  // Longer text than the memo takes goes through the patterns as before.
  const long = "x".repeat(CLEAN_MEMO_MAX_LENGTH) + " password=swordfish";
  assert.ok(!r.redact(long).includes("swordfish"));
});
