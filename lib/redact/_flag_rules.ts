/**
 * Structure-preserving rules for secrets passed as command-line arguments: `--password x`-style
 * flags and PowerShell `ConvertTo-SecureString` operands. The flag stays, the value goes.
 */
import { REDACTED } from "./placeholder.ts";
import {
  isSpace,
  noStop,
  redactQuoted,
  type Replacement,
  replaceScanned,
  scanBare,
  skipBlanks,
} from "./_scan.ts";

// A flag starts with `-`/`--` not glued to a word (so `Get-Credential` stays), may carry up to
// three name segments before the keyword (`--db-password`, `--client-secret`) but not `--no-`,
// and must be followed by `=` or a blank (so `--password-file` and `--tokenizer` stay).
const CLI_FLAG =
  /(?<![\w\]-])--?(?!no-)(?:[A-Za-z0-9]+[-_]){0,3}(?:secret[-_]?access[-_]?key|password|passwd|passphrase|pass(?:in|out)?|pwd|secret|token|api[-_]?key|credential)(?=[= \t])/gi;

function scanFlagValue(text: string, m: RegExpExecArray): Replacement | null {
  let i = m.index + m[0].length;
  i = text[i] === "=" ? i + 1 : skipBlanks(text, i);
  const c = text[i];
  if (isSpace(c)) return null;
  // Never swallow the next `--flag`; a lone `-` means stdin; `(` opens a subexpression.
  if (c === "-" && (text[i + 1] === "-" || isSpace(text[i + 1]))) return null;
  if (c === "(") return null;
  const kept = text.slice(m.index, i);
  if (c === '"' || c === "'") {
    const r = redactQuoted(text, i, { escape: c === '"' ? "\\" : "" });
    return r === null ? null : { end: r.end, text: kept + r.text };
  }
  const end = scanBare(text, i, noStop, true);
  return end === i ? null : { end, text: kept + REDACTED };
}

/** `--password x`, `--token=x`, `-ApiKey 'x'`, `--db-password "a b"`, `-passin pass:x` → value hidden. */
export function redactCliFlags(text: string): string {
  return replaceScanned(text, CLI_FLAG, scanFlagValue);
}

// Up to eight `-Switch` tokens (`-AsPlainText -Force -String`) may precede the operand.
const SECURE_STRING = /ConvertTo-SecureString(?:[ \t]+-[A-Za-z][\w-]*(?::[$\w.]*)?){0,8}[ \t]+/gi;
// The piped form: `"P@ss" | ConvertTo-SecureString -AsPlainText -Force`.
const PIPED_SECURE_STRING =
  /(["'])[^"'\r\n]{1,512}\1(?=[ \t]{0,16}\|[ \t]{0,16}ConvertTo-SecureString)/gi;
const HAS_SECURE_STRING = /ConvertTo-SecureString/i;

function isOperandStop(c: string): boolean {
  return c === ";" || c === "|" || c === ")" || c === "}";
}

function scanSecureStringOperand(text: string, m: RegExpExecArray): Replacement | null {
  const i = m.index + m[0].length;
  const c = text[i];
  // A switch, a `$variable` or a subexpression is not a literal secret.
  if (isSpace(c) || c === "-" || c === "$" || c === "(" || isOperandStop(c)) return null;
  const kept = text.slice(m.index, i);
  if (c === '"' || c === "'") {
    const r = redactQuoted(text, i, { escape: "`", doubled: true });
    return r === null ? null : { end: r.end, text: kept + r.text };
  }
  const end = scanBare(text, i, isOperandStop);
  return end === i ? null : { end, text: kept + REDACTED };
}

/** PowerShell `ConvertTo-SecureString "P@ss" -AsPlainText` (and the piped form) → operand hidden. */
export function redactSecureStringOperands(text: string): string {
  if (!HAS_SECURE_STRING.test(text)) return text;
  const piped = text.replace(PIPED_SECURE_STRING, `$1${REDACTED}$1`);
  return replaceScanned(piped, SECURE_STRING, scanSecureStringOperand);
}
