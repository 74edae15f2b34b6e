import assert from "node:assert/strict";
import { redactArgs, REDACTED } from "../../lib/redact/mod.ts";

Deno.test("redactArgs() scrubs strings in nested objects and arrays", () => {
  const args = {
    command: "mysql -uroot -pS3cret db",
    options: { env: ["A=1", "password=x"], retries: 3, dry: false, note: null },
  };
  assert.deepEqual(redactArgs(args), {
    command: `mysql -uroot -p${REDACTED} db`,
    options: { env: ["A=1", `password=${REDACTED}`], retries: 3, dry: false, note: null },
  });
});

Deno.test("redactArgs() scrubs object keys as well as values", () => {
  assert.deepEqual(redactArgs({ "token=abc": "v" }), { [`token=${REDACTED}`]: "v" });
});

Deno.test("redactArgs() keeps both entries when two keys scrub to the same text", () => {
  assert.deepEqual(redactArgs({ "token=a": 1, "token=b": 2 }), {
    [`token=${REDACTED}`]: 1,
    [`token=${REDACTED} (2)`]: 2,
  });
});

Deno.test("redactArgs() hides every value beneath a key that names a secret", () => {
  assert.deepEqual(
    redactArgs({
      password: "hunter2",
      apiKey: "k",
      DB_TOKEN: 12345,
      client_secret: ["a", { nested: "b" }],
      passphrase: "",
      use_password: true,
    }),
    {
      password: REDACTED,
      apiKey: REDACTED,
      DB_TOKEN: REDACTED,
      client_secret: [REDACTED, { nested: REDACTED }],
      passphrase: "",
      use_password: true,
    },
  );
});

Deno.test("redactArgs() keeps values under keys that only contain a keyword", () => {
  const args = { max_tokens: 100, tokenizer: "bpe", password_min_length: 8, secretName: "db" };
  assert.deepEqual(redactArgs(args), args);
});

Deno.test("redactArgs() cuts long strings and appends the dropped count", () => {
  assert.equal(redactArgs("a".repeat(600)), `${"a".repeat(500)}...(+100)`);
  assert.equal(redactArgs("abcdef", { maxLength: 4 }), "abcd...(+2)");
  assert.equal(redactArgs("abcd", { maxLength: 4 }), "abcd");
  assert.equal(redactArgs("abc", { maxLength: 0 }), "...(+3)");
});

Deno.test("redactArgs() redacts before it cuts", () => {
  const text = `password=${"x".repeat(1000)} tail`;
  assert.equal(redactArgs(text, { maxLength: 100 }), `password=${REDACTED} tail`);
});

Deno.test("redactArgs() scans only maxLength + 16384 characters and counts the rest as dropped", () => {
  const text = "y".repeat(20_000) + " password=hunter2";
  const calls: number[] = [];
  const out = redactArgs(text, {
    maxLength: 10,
    redact: (s) => {
      calls.push(s.length);
      return s;
    },
  });
  assert.deepEqual(calls, [10 + 16384]);
  assert.equal(out, `${"y".repeat(10)}...(+${text.length - 10})`);
});

Deno.test("redactArgs() never splits a surrogate pair when it cuts", () => {
  assert.equal(redactArgs("ab😀cd", { maxLength: 3 }), "ab...(+4)");
});

Deno.test("redactArgs() decodes Uint8Array as UTF-8 with replacement characters", () => {
  assert.equal(redactArgs(new TextEncoder().encode("token=abc ok")), `token=${REDACTED} ok`);
  assert.equal(redactArgs(new Uint8Array([0x61, 0xff, 0x62])), "a\uFFFDb");
  assert.deepEqual(redactArgs({ password: new TextEncoder().encode("x") }), { password: REDACTED });
});

Deno.test("redactArgs() replaces containers nested deeper than 16 levels", () => {
  let value: unknown = "leaf";
  for (let i = 0; i < 20; i++) value = { down: value };
  let out = redactArgs(value) as Record<string, unknown>;
  for (let i = 0; i < 16; i++) out = out.down as Record<string, unknown>;
  assert.equal(out, "[depth limit]");
});

Deno.test("redactArgs() replaces cycles and expands shared references", () => {
  const shared = { v: "password=x" };
  const root: Record<string, unknown> = { a: shared, b: shared, list: [] as unknown[] };
  root.self = root;
  (root.list as unknown[]).push(root.list);
  assert.deepEqual(redactArgs(root), {
    a: { v: `password=${REDACTED}` },
    b: { v: `password=${REDACTED}` },
    list: ["[circular]"],
    self: "[circular]",
  });
});

Deno.test("redactArgs() keeps a __proto__ key as an ordinary property", () => {
  const input = JSON.parse('{"__proto__": {"polluted": "password=x"}}');
  const out = redactArgs(input) as Record<string, unknown>;
  assert.ok(Object.hasOwn(out, "__proto__"));
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(JSON.stringify(out), `{"__proto__":{"polluted":"password=${REDACTED}"}}`);
});

Deno.test("redactArgs() leaves numbers, booleans, null and undefined unchanged", () => {
  for (const v of [0, -1.5, true, false, null, undefined, 10n]) assert.equal(redactArgs(v), v);
});

Deno.test("redactArgs() does not modify its input", () => {
  const input = { cmd: "password=x", list: ["token=y"] };
  const copy = structuredClone(input);
  redactArgs(input);
  assert.deepEqual(input, copy);
});

Deno.test("redactArgs() uses the redact option for every string", () => {
  assert.deepEqual(redactArgs({ k: ["ab"] }, { redact: (s) => s.toUpperCase() }), { K: ["AB"] });
});

Deno.test("redactArgs() names maxLength when it is not a non-negative integer", () => {
  for (const maxLength of [-1, 1.5, Number.NaN, Infinity]) {
    assert.throws(() => redactArgs("x", { maxLength }), (err: unknown) => {
      return err instanceof RangeError && /maxLength/.test(err.message);
    });
  }
});
