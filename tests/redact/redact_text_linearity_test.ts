import assert from "node:assert/strict";
import { Redactor, redactText } from "../../lib/redact/mod.ts";

// Adversarial inputs for every rule: each one would take quadratic time (seconds) if a pattern
// backtracked over an unbounded run. The guard compares 4× the input with 1× rather than asserting
// absolute times, so a slow CI machine does not flake.
const UNITS: readonly string[] = [
  "password=",
  "-----BEGIN ",
  "-----BEGIN RSA PRIVATE KEY-----",
  "-----END ",
  "a:",
  "://",
  "://a:b",
  "@",
  "eyJ",
  "eyJ.",
  "Authorization: ",
  '"Authorization:',
  "Bearer ",
  "--token ",
  "--a-",
  'password="',
  "ConvertTo-SecureString -X",
  "'x' | ",
  "&sig=",
  "AccountKey=",
  "mysql -p",
  "curl -u ",
  "sshpass ",
  "docker ",
  "ldapsearch -w",
  "-pass ",
  "ghp_",
  "sk-",
  "AKIA",
  "'",
  "\\",
];

function elapsed(text: string): number {
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    redactText(text);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Asserts that `f` over 4× the repetitions costs at most ~10× the time of 1×. */
function assertLinear(label: string, unit: string, reps: number, f: (s: string) => number) {
  const t1 = f(unit.repeat(reps));
  const t4 = f(unit.repeat(reps * 4));
  // A floor of 2 ms keeps timer noise on tiny inputs from failing the ratio.
  assert.ok(t4 <= 10 * Math.max(t1, 2), `${label}: 1x ${t1.toFixed(1)} ms, 4x ${t4.toFixed(1)} ms`);
}

Deno.test("redactText() runs in linear time on adversarial repetitions", () => {
  for (const unit of UNITS) {
    assertLinear(JSON.stringify(unit), unit, Math.ceil(100_000 / unit.length), elapsed);
  }
});

Deno.test("redactText() handles the named worst cases at full size", () => {
  assertLinear('"password=" * 50000', "password=", 50_000, elapsed);
  assertLinear('"-----BEGIN " * 20000', "-----BEGIN ", 20_000, elapsed);
});

Deno.test("Redactor.redactLiterals() runs in linear time when literals overlap everywhere", () => {
  const redactor = new Redactor();
  redactor.register("aaaa");
  redactor.register("aaaaaaaaaaaaaaaaaaaa");
  redactor.register("ab");
  const time = (s: string) => {
    const t0 = performance.now();
    redactor.redactLiterals(s);
    return performance.now() - t0;
  };
  assertLinear('"a" * n', "a", 100_000, time);
  assertLinear('"ab" * n', "ab", 50_000, time);
});
