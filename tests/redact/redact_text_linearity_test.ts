import assert from "node:assert/strict";
import { Redactor, redactText } from "../../lib/redact/mod.ts";

// Adversarial inputs for every rule: each one would take quadratic time (seconds) if a pattern
// backtracked over an unbounded run. The guard compares 8× the input with 1× rather than asserting
// absolute times: linear work grows 8×, quadratic 64×, and the 24× threshold between them leaves
// room for a loaded 2-core CI machine.
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
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    redactText(text);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Asserts that `f` over 8× the repetitions costs at most 24× the time of 1×. */
function assertLinear(label: string, unit: string, reps: number, f: (s: string) => number) {
  const t1 = f(unit.repeat(reps));
  const t8 = f(unit.repeat(reps * 8));
  // A floor of 2 ms keeps timer noise on tiny inputs from failing the ratio.
  assert.ok(t8 <= 24 * Math.max(t1, 2), `${label}: 1x ${t1.toFixed(1)} ms, 8x ${t8.toFixed(1)} ms`);
}

Deno.test("redactText() runs in linear time on adversarial repetitions", () => {
  for (const unit of UNITS) {
    assertLinear(JSON.stringify(unit), unit, Math.ceil(50_000 / unit.length), elapsed);
  }
});

Deno.test("redactText() handles the named worst cases at full size", () => {
  assertLinear('"password=" * 25000', "password=", 25_000, elapsed);
  assertLinear('"-----BEGIN " * 10000', "-----BEGIN ", 10_000, elapsed);
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
  assertLinear('"a" * n', "a", 50_000, time);
  assertLinear('"ab" * n', "ab", 50_000, time);
});
