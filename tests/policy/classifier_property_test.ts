import assert from "node:assert/strict";
import fc from "fast-check";
import { classifier } from "./_helpers.ts";

const SHELL_CHARS = [..."abcdefgrmosuhxyz -_/.$'\"\\`;&|<>(){}[]*?!#=~\n\t:0123456789"];

/** Shell-flavoured strings: the characters the parser cares about, in any order. */
const shellish = fc.string({ unit: fc.constantFrom(...SHELL_CHARS), maxLength: 200 });

/** Benign, well-formed shell lists that cannot swallow what follows them. */
const benign = fc.letrec((tie) => ({
  word: fc.oneof(
    fc.stringMatching(/^[a-z0-9._\/-]{1,8}$/),
    fc.stringMatching(/^[a-z ]{0,10}$/).map((s) => `'${s}'`),
    fc.stringMatching(/^[a-z ]{0,10}$/).map((s) => `"${s}"`),
    fc.constantFrom("$HOME", "${USER}", "$1", "42"),
  ),
  simple: fc.tuple(
    fc.constantFrom(
      "ls",
      "cat",
      "echo",
      "grep",
      "df",
      "ps",
      "true",
      "uptime",
      "printf",
      "wc",
      "head",
      "git status",
    ),
    fc.array(
      fc.oneof({ weight: 4, arbitrary: tie("word") as fc.Arbitrary<string> }, {
        weight: 1,
        arbitrary: tie("substitution") as fc.Arbitrary<string>,
      }),
      { maxLength: 4 },
    ),
    fc.constantFrom("", " > /tmp/out", " 2>/dev/null", " < /etc/hostname"),
  ).map(([name, args, redirect]) => [name, ...args].join(" ") + redirect),
  substitution: fc.constantFrom("$(date)", "$(ls -1 | wc -l)", "`id -u`"),
  statement: fc.oneof(
    { weight: 5, arbitrary: tie("simple") as fc.Arbitrary<string> },
    {
      weight: 1,
      arbitrary: fc.tuple(tie("simple"), tie("simple")).map(([a, b]) => `${a} | ${b}`),
    },
    { weight: 1, arbitrary: (tie("list") as fc.Arbitrary<string>).map((l) => `( ${l} )`) },
    { weight: 1, arbitrary: (tie("list") as fc.Arbitrary<string>).map((l) => `{ ${l}; }`) },
    {
      weight: 1,
      arbitrary: fc.tuple(tie("simple"), tie("list")).map(([c, l]) => `if ${c}; then ${l}; fi`),
    },
    {
      weight: 1,
      arbitrary: (tie("list") as fc.Arbitrary<string>).map((l) => `for x in a b; do ${l}; done`),
    },
    { weight: 1, arbitrary: (tie("simple") as fc.Arbitrary<string>).map((s) => `FOO=bar ${s}`) },
  ),
  list: fc.tuple(
    tie("statement") as fc.Arbitrary<string>,
    fc.array(fc.tuple(fc.constantFrom("; ", " && ", " || ", "\n", " & "), tie("statement")), {
      maxLength: 2,
    }),
  ).map(([first, rest]) => first + rest.map(([op, s]) => op + s).join("")),
})).list as fc.Arbitrary<string>;

Deno.test("CommandClassifier.classify() never throws and returns a well-formed result", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.string({ unit: "binary", maxLength: 300 }),
        shellish,
      ),
      (s) => {
        const r = classifier.classify(s);
        assert.ok(r.tier === 0 || r.tier === 2 || r.tier === 3, `tier ${r.tier}`);
        assert.ok(Array.isArray(r.reasons) && r.reasons.every((x) => typeof x === "string"));
        assert.equal(typeof r.parsed, "boolean");
        if (!r.parsed) assert.ok(r.tier >= 2);
        assert.ok(!r.reasons.some((x) => x.startsWith("internal")), r.reasons.join("; "));
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("CommandClassifier.classify() is deterministic", () => {
  fc.assert(
    fc.property(fc.oneof(shellish, benign), (s) => {
      assert.deepEqual(classifier.classify(s), classifier.classify(s));
    }),
    { numRuns: 300 },
  );
});

Deno.test("CommandClassifier.classify() keeps `P; rm -rf /` at 3 for any benign prefix", () => {
  fc.assert(
    fc.property(benign, (p) => {
      const r = classifier.classify(`${p}; rm -rf /`);
      assert.equal(r.tier, 3, `${JSON.stringify(p)} -> ${r.reasons.join("; ")}`);
    }),
    { numRuns: 300 },
  );
});

Deno.test("CommandClassifier.classify() keeps `P && sudo ls` at 2 or more for any benign prefix", () => {
  fc.assert(
    fc.property(benign, (p) => {
      assert.ok(classifier.classify(`${p} && sudo ls`).tier >= 2, JSON.stringify(p));
    }),
    { numRuns: 300 },
  );
});

Deno.test("CommandClassifier.classify() gives benign lists tier 0", () => {
  fc.assert(
    fc.property(benign, (p) => {
      const r = classifier.classify(p);
      assert.equal(r.tier, 0, `${JSON.stringify(p)} -> ${r.reasons.join("; ")}`);
    }),
    { numRuns: 300 },
  );
});

Deno.test("CommandClassifier.classify() never lowers the tier when text is wrapped in bash -c", () => {
  fc.assert(
    fc.property(fc.oneof(shellish, benign.map((p) => `${p}; reboot`)), (s) => {
      const quoted = `'${s.replaceAll("'", `'\\''`)}'`;
      const inner = classifier.classify(s).tier;
      assert.ok(classifier.classify(`bash -c -- ${quoted}`).tier >= inner, JSON.stringify(s));
    }),
    { numRuns: 300 },
  );
});
