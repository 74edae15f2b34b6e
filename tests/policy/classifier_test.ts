import assert from "node:assert/strict";
import { CommandClassifier, MAX_CLASSIFIED_LENGTH, MAX_NESTING } from "../../lib/policy/mod.ts";
import { classifier } from "./_helpers.ts";

/** Wraps `inner` in `levels` nested `bash -c '…'`. */
function nest(inner: string, levels: number): string {
  let text = inner;
  for (let i = 0; i < levels; i++) text = `bash -c '${text.replaceAll("'", `'\\''`)}'`;
  return text;
}

Deno.test("CommandClassifier.classify() returns tier 0 and no reasons for plain reads", () => {
  assert.deepEqual(classifier.classify("ls -la /var/log | grep -c x"), {
    tier: 0,
    reasons: [],
    parsed: true,
  });
});

Deno.test("CommandClassifier.classify() marks unparseable input parsed: false and at least tier 2", () => {
  for (const text of ["echo 'unterminated", "if then fi", "echo $((1+", "ls )"]) {
    const r = classifier.classify(text);
    assert.equal(r.parsed, false, text);
    assert.ok(r.tier >= 2, text);
    assert.ok(r.reasons.includes("could not parse as shell"), text);
  }
});

Deno.test("CommandClassifier.classify() still finds tier-3 words in unparseable input", () => {
  const r = classifier.classify("echo 'oops; rm -rf /");
  assert.equal(r.parsed, false);
  assert.equal(r.tier, 3);
  assert.equal(classifier.classify("{rm,-rf,/}").tier, 3);
  assert.equal(classifier.classify("exec 3<>/dev/sda").tier, 3);
});

Deno.test("CommandClassifier.classify() lists the most severe reasons first", () => {
  const r = classifier.classify("sudo systemctl restart x; rm -rf /tmp/x");
  assert.equal(r.tier, 3);
  assert.equal(r.reasons[0], "rm -r/-f (recursive or forced delete)");
  assert.ok(r.reasons.includes("privilege escalation (sudo)"));
  assert.ok(r.reasons.includes("systemctl restart (changes service state)"));
});

Deno.test("CommandClassifier.classify() classifies only the first 64 KiB and stays at least tier 2", () => {
  const long = "ls\n".repeat(30_000);
  assert.ok(long.length > MAX_CLASSIFIED_LENGTH);
  const r = classifier.classify(long);
  assert.equal(r.tier, 2);
  assert.ok(r.reasons.some((x) => x.startsWith("command text over 64 KiB")));
  assert.equal(classifier.classify("rm -rf /; " + long).tier, 3);
});

Deno.test("CommandClassifier.classify() stops parsing nested shells beyond the nesting limit", () => {
  assert.equal(classifier.classify(nest("ls", MAX_NESTING)).tier, 0);
  const deep = classifier.classify(nest("ls", MAX_NESTING + 1));
  assert.equal(deep.tier, 2);
  assert.ok(deep.reasons.includes(`shell nesting deeper than ${MAX_NESTING} levels`));
  // Beyond the limit the rest is scanned as raw text, so tier-3 words still count.
  assert.equal(classifier.classify(nest("rm -rf /", MAX_NESTING + 1)).tier, 3);
  assert.equal(classifier.classify("eval ".repeat(40) + "ls").tier, 2);
  assert.equal(classifier.classify("eval ".repeat(40) + "rm -rf /").tier, 3);
});

Deno.test("CommandClassifier.classify() survives pathological input", () => {
  for (
    const text of ["$(".repeat(5_000), "(".repeat(20_000), "'".repeat(10_001), "{ ".repeat(8_000)]
  ) {
    const r = classifier.classify(text);
    assert.equal(r.parsed, false);
    assert.ok(r.tier >= 2, text.slice(0, 10));
  }
  assert.equal(classifier.classify("ls | ".repeat(10_000) + "ls").tier, 0);
  assert.equal(classifier.classify("echo x | bash | ".repeat(2_000) + "bash").tier, 2);
  const wrappers = classifier.classify("xargs ".repeat(5_000) + "ls");
  assert.deepEqual(wrappers.reasons, ["too many nested command wrappers"]);
  assert.equal(classifier.classify("ls\0; rm -rf /").tier, 3);
  assert.equal(classifier.classify("echo \0 && reboot").tier, 3);
});

Deno.test("CommandClassifier.classify() flags dynamic names but resolves what the script states", () => {
  assert.equal(classifier.classify("$CMD -rf /").tier, 2);
  assert.equal(classifier.classify("a=rm; $a -rf /").tier, 3);
  assert.equal(classifier.classify("a=ls; $a").tier, 2);
});

Deno.test("CommandClassifier.create() can be called again and shares the grammar", async () => {
  const other = await CommandClassifier.create();
  assert.equal(other.classify("reboot").tier, 3);
  assert.equal(classifier.classify("reboot").tier, 3);
});

Deno.test("CommandClassifier.classify() remembers results that equal fresh ones and callers cannot change", async () => {
  const a = await CommandClassifier.create();
  const texts = [
    "true",
    "rm -rf /tmp/x",
    "sudo systemctl restart nginx",
    "echo 'unterminated",
    "git push --force origin main",
    "ls -la",
  ];
  for (const text of texts) {
    const fresh = (await CommandClassifier.create()).classify(text);
    const first = a.classify(text);
    assert.deepEqual(first, fresh, text);
    // The caller owns what it got: changing it must not change the remembered result.
    first.reasons.push("tampered");
    first.tier = 0;
    const again = a.classify(text);
    assert.deepEqual(again, fresh, text);
    again.reasons.length = 0;
    assert.deepEqual(a.classify(text), fresh, text);
  }
});
