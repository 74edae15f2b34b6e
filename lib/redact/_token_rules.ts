/**
 * Whole-token rules: private-key blocks and provider credentials recognisable by their own shape
 * (GitHub, OpenAI, Anthropic, AWS, Slack, Google, Stripe, GitLab, npm, PyPI, Hugging Face, JWT).
 * Each regexp runs only when a cheap substring hint is present.
 */
import { REDACTED } from "./placeholder.ts";
import { type Replacement, replaceScanned } from "./_scan.ts";

/** Longest private-key body hidden in one piece. */
const MAX_KEY_BODY = 8192;

const KEY_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const KEY_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/y;

/** Base64, blanks, line breaks, armor headers (`Proc-Type: 4,ENCRYPTED`), JSON-escaped `\n`. */
function isKeyBodyChar(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x3a) || // digits and `:`
    code === 0x2b || code === 0x2f || code === 0x3d || code === 0x2c || code === 0x2e ||
    code === 0x2d || code === 0x5c || code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

function isBlankChar(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

function scanKeyBlock(text: string, m: RegExpExecArray): Replacement | null {
  const start = m.index + m[0].length;
  // The body is a run of key characters, up to the first END marker (made of them too).
  const limit = Math.min(text.length, start + MAX_KEY_BODY + 1);
  let run = start;
  for (; run < limit; run++) {
    const code = text.charCodeAt(run);
    if (!isKeyBodyChar(code) || (code === 0x2d && text.startsWith("-----END ", run))) break;
  }
  let stop: number; // end of the body
  let end: number; // end of the replaced span
  let marker = "";
  let endMatch: RegExpExecArray | null = null;
  if (run - start <= MAX_KEY_BODY && text.startsWith("-----END ", run)) {
    KEY_END.lastIndex = run;
    endMatch = KEY_END.exec(text);
  }
  if (endMatch !== null) {
    stop = run;
    end = stop + endMatch[0].length;
    marker = endMatch[0];
  } else {
    // No END within the bound: hide the key-looking text that follows, up to the bound.
    stop = Math.min(run, start + MAX_KEY_BODY);
    end = stop;
  }
  let first = start;
  while (first < stop && isBlankChar(text[first])) first++;
  let last = stop;
  while (last > first && isBlankChar(text[last - 1])) last--;
  if (first === last) return null;
  const body = m[0] + text.slice(start, first) + REDACTED + text.slice(last, stop) + marker;
  return { end, text: body };
}

/** `-----BEGIN … PRIVATE KEY-----` blocks: the markers stay, the body becomes [REDACTED]. */
export function redactPrivateKeys(text: string): string {
  if (!text.includes("PRIVATE KEY")) return text;
  return replaceScanned(text, KEY_BEGIN, scanKeyBlock);
}

interface TokenRule {
  /** Substrings one of which must occur before the regexp runs. */
  hints: readonly string[];
  /** A global regexp; a match is replaced by its first group (if any) plus the placeholder. */
  re: RegExp;
}

// Left guards (no letter or digit just before) keep `task-…`/`disk-…` from looking like `sk-…`
// and, for JWTs, let each run of token characters start at most one failing attempt (linear
// time). They also refuse a `]` so that a token glued to an earlier placeholder is treated the
// same on every pass (idempotency).
const TOKEN_RULES: readonly TokenRule[] = [
  { hints: ["github_pat_"], re: /(?<![A-Za-z0-9\]])github_pat_[A-Za-z0-9_]{20,}/g },
  {
    hints: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    re: /(?<![A-Za-z0-9\]])gh[pousr]_[A-Za-z0-9]{20,}/g,
  },
  {
    hints: ["sk-"],
    re:
      /(?<![A-Za-z0-9\]])sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{16,}|ant-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{16,})/g,
  },
  { hints: ["hf_"], re: /(?<![A-Za-z0-9\]])hf_[A-Za-z0-9]{34,}/g },
  { hints: ["AKIA", "ASIA"], re: /(?<![A-Za-z0-9\]])(?:AKIA|ASIA)[0-9A-Z]{16}/g },
  { hints: ["xox", "xapp-"], re: /(?<![A-Za-z0-9\]])(?:xox[abeprs]|xapp)-[A-Za-z0-9-]{10,}/g },
  {
    hints: ["hooks.slack.com/"],
    re: /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9_/-]{8,}/g,
  },
  { hints: ["AIza"], re: /(?<![A-Za-z0-9\]])AIza[A-Za-z0-9_-]{35,}/g },
  { hints: ["ya29."], re: /(?<![A-Za-z0-9\]])ya29\.[A-Za-z0-9_.-]{20,}/g },
  {
    hints: ["k_test_", "k_live_", "k_prod_"],
    re: /(?<![A-Za-z0-9\]])[sr]k_(?:test|live|prod)_[A-Za-z0-9]{10,}/g,
  },
  { hints: ["glpat-"], re: /(?<![A-Za-z0-9\]])glpat-[A-Za-z0-9_-]{20,}/g },
  { hints: ["npm_"], re: /(?<![A-Za-z0-9\]])npm_[A-Za-z0-9]{36,}/g },
  {
    hints: ["pypi-AgEIcHlwaS5vcmc"],
    re: /(?<![A-Za-z0-9\]])pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{16,}/g,
  },
  {
    hints: ["ey"],
    re: /(?<![A-Za-z0-9_\]-])ey[A-Za-z0-9_-]{17,}\.ey[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]{8,})?/g,
  },
];

function replaceToken(_match: string, kept?: unknown): string {
  return (typeof kept === "string" ? kept : "") + REDACTED;
}

/** Provider tokens (`ghp_…`, `sk-…`, `AKIA…`, `xoxb-…`, JWTs, …) → [REDACTED]. */
export function redactProviderTokens(text: string): string {
  let out = text;
  for (const rule of TOKEN_RULES) {
    if (rule.hints.some((h) => out.includes(h))) out = out.replace(rule.re, replaceToken);
  }
  return out;
}
