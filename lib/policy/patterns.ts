/**
 * Operator-supplied deny/allow patterns, compiled with re2js: RE2 syntax, matched in linear time,
 * so a pattern can never stall the server (no catastrophic backtracking).
 */
import { RE2JS, RE2JSException, RE2JSSyntaxException } from "re2js";

/** A compiled deny/allow pattern; `test` searches anywhere in the text (like Python `re.search`). */
export interface PolicyPattern {
  /** The pattern as configured. */
  readonly source: string;
  /** True when the pattern matches somewhere in `text`. */
  test(text: string): boolean;
}

/** A deny/allow pattern that does not compile; `variable` names the setting. */
export class PolicyPatternError extends Error {
  /** The configuration variable holding the pattern (e.g. `RELAY_SHELL_POLICY_DENY`). */
  readonly variable: string;

  /** Builds the message from the variable name and what is wrong. */
  constructor(variable: string, problem: string, options?: ErrorOptions) {
    super(
      `${variable} is not a valid pattern: ${problem} (patterns use RE2 syntax, linear time)`,
      options,
    );
    this.name = "PolicyPatternError";
    this.variable = variable;
  }
}

/** Explains an RE2 syntax error in the terms a Python/PCRE user expects. */
function describe(err: unknown): string {
  if (err instanceof RE2JSSyntaxException) {
    const fragment = err.input ?? "";
    if (fragment.startsWith("(?=")) return "lookahead (?=) is not supported";
    if (fragment.startsWith("(?!")) return "negative lookahead (?!) is not supported";
    if (fragment.includes("(?<=") || fragment.includes("(?<!")) {
      return "lookbehind (?<= / (?<!) is not supported";
    }
    if (/^\\[1-9]/.test(fragment)) return `backreferences (${fragment}) are not supported`;
    if (fragment.startsWith("(?#")) return "comments (?#…) are not supported";
    if (fragment.startsWith("++") || fragment.startsWith("*+") || fragment.startsWith("?+")) {
      return `possessive quantifiers (${fragment}) are not supported`;
    }
    return fragment ? `${err.error}: \`${fragment}\`` : err.error;
  }
  if (err instanceof RE2JSException) return err.message;
  return String(err);
}

/**
 * Compiles a user regex with re2js (linear time, so no catastrophic backtracking); throws
 * {@link PolicyPatternError} naming `variable`. Empty string -> undefined (no rule).
 */
export function compilePolicyPattern(source: string, variable: string): PolicyPattern | undefined {
  if (typeof source !== "string") throw new TypeError(`${variable}: expected a string pattern`);
  if (source === "") return undefined;
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    throw new PolicyPatternError(variable, describe(err), { cause: err });
  }
  return Object.freeze({
    source,
    test: (text: string) => re.matcher(text).find(),
  });
}
