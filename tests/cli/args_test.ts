import assert from "node:assert/strict";
import { parseCommandLine, UsageError } from "../../lib/cli/mod.ts";

Deno.test("parseCommandLine() understands every subcommand", () => {
  assert.deepEqual(parseCommandLine([]), { kind: "serve", config: undefined });
  assert.deepEqual(parseCommandLine(["serve", "--config", "/c.yaml"]), {
    kind: "serve",
    config: "/c.yaml",
  });
  assert.deepEqual(parseCommandLine(["--version"]), { kind: "version" });
  assert.deepEqual(parseCommandLine(["-h"]), { kind: "help" });
  assert.deepEqual(parseCommandLine(["check-config", "--json"]), {
    kind: "check-config",
    config: undefined,
    json: true,
  });
  assert.deepEqual(parseCommandLine(["audit", "verify", "--path", "/a", "--segment"]), {
    kind: "audit-verify",
    path: "/a",
    config: undefined,
    json: false,
    segment: true,
  });
  const tail = parseCommandLine(["audit", "tail", "-n", "10", "--tier", "3", "--denied", "true"]);
  assert.equal(tail.kind, "audit-tail");
  if (tail.kind === "audit-tail") {
    assert.equal(tail.lines, 10);
    assert.equal(tail.tier, 3);
    assert.equal(tail.denied, true);
  }
});

Deno.test("parseCommandLine() rejects mistakes with a UsageError that says the fix", () => {
  assert.throws(
    () => parseCommandLine(["frobnicate"]),
    (e) => e instanceof UsageError && /unknown command/.test(e.message),
  );
  assert.throws(() => parseCommandLine(["audit"]), /audit needs a subcommand: verify or tail/);
  assert.throws(
    () => parseCommandLine(["audit", "tail", "--lines", "0"]),
    /--lines must be an integer from 1 to 1000/,
  );
  assert.throws(
    () => parseCommandLine(["audit", "tail", "--denied", "yes"]),
    /--denied must be true or false/,
  );
  assert.throws(() => parseCommandLine(["--bogus"]), /see relay-shell --help/);
});
