/** Shared fixtures for the policy tests: one classifier per test process. */
import { CommandClassifier } from "../../lib/policy/mod.ts";

/** A classifier shared by the policy tests (tree-sitter loads once). */
export const classifier: CommandClassifier = await CommandClassifier.create();

/** One corpus row: the command, the expected tier, and an optional note. */
export type Case = readonly [command: string, tier: 0 | 2 | 3, note?: string];

/** Classifies every case and returns a line per mismatch (empty when all match). */
export function mismatches(cases: readonly Case[]): string[] {
  const out: string[] = [];
  for (const [command, tier] of cases) {
    const got = classifier.classify(command);
    if (got.tier !== tier) {
      out.push(
        `${JSON.stringify(command)}: expected ${tier}, got ${got.tier} [${got.reasons.join("; ")}]`,
      );
    }
  }
  return out;
}
