import assert from "node:assert/strict";
import { compilePolicyPattern, PolicyPatternError } from "../../lib/policy/mod.ts";

const DENY = "RELAY_SHELL_POLICY_DENY";

Deno.test("compilePolicyPattern() returns undefined for an empty pattern", () => {
  assert.equal(compilePolicyPattern("", DENY), undefined);
});

Deno.test("compilePolicyPattern() searches anywhere in the text, like re.search", () => {
  const p = compilePolicyPattern("rm\\s+-rf", DENY)!;
  assert.equal(p.source, "rm\\s+-rf");
  assert.equal(p.test("shell_exec cd /tmp && rm  -rf x"), true);
  assert.equal(p.test("shell_exec ls"), false);
  const anchored = compilePolicyPattern("^ssh_keyscan", DENY)!;
  assert.equal(anchored.test("ssh_keyscan host"), true);
  assert.equal(anchored.test("shell_exec ssh_keyscan"), false);
  assert.equal(compilePolicyPattern("(?i)REBOOT", DENY)!.test("shell_exec reboot"), true);
  assert.equal(compilePolicyPattern("(?m)^prod-db$", DENY)!.test("ssh_exec uptime\nprod-db"), true);
});

Deno.test("compilePolicyPattern() names the variable and explains unsupported syntax", () => {
  const cases: Array<[string, RegExp]> = [
    ["foo(?=bar)", /lookahead \(\?=\) is not supported/],
    ["foo(?!bar)", /negative lookahead \(\?!\) is not supported/],
    ["(?<=a)b", /lookbehind/],
    ["(a)\\1", /backreferences \(\\1\) are not supported/],
    ["a++", /possessive quantifiers/],
    ["(unclosed", /missing closing \)/],
    ["[a-", /missing closing \]/],
  ];
  for (const [source, why] of cases) {
    assert.throws(() => compilePolicyPattern(source, DENY), (err: unknown) => {
      assert.ok(err instanceof PolicyPatternError);
      assert.equal(err.name, "PolicyPatternError");
      assert.equal(err.variable, DENY);
      assert.match(err.message, new RegExp(`^${DENY} is not a valid pattern: `));
      assert.match(err.message, why);
      assert.match(err.message, /\(patterns use RE2 syntax, linear time\)$/);
      assert.ok(err.cause instanceof Error);
      return true;
    });
  }
});

Deno.test("compilePolicyPattern() reports the lookahead message exactly", () => {
  assert.throws(
    () => compilePolicyPattern("x(?=y)", DENY),
    {
      name: "PolicyPatternError",
      message:
        "RELAY_SHELL_POLICY_DENY is not a valid pattern: lookahead (?=) is not supported (patterns use RE2 syntax, linear time)",
    },
  );
});

Deno.test("compilePolicyPattern() matches in linear time where backtracking engines explode", () => {
  const p = compilePolicyPattern("(a+)+$", "RELAY_SHELL_POLICY_ALLOW")!;
  // A backtracking engine needs ~2^50 steps here; RE2 finishes at once.
  assert.equal(p.test("a".repeat(50) + "!"), false);
  assert.equal(p.test("a".repeat(100_000)), true);
});
