/**
 * Index-based scanning helpers shared by the redaction rules. Everything here moves forward only,
 * so a rule built from them stays linear in the length of its input.
 */
import { REDACTED } from "./placeholder.ts";

/** What a scanner emits in place of `text.slice(match.index, end)`. */
export interface Replacement {
  /** Index in the input just after the replaced span. */
  end: number;
  /** Replacement text (the kept prefix plus the placeholder). */
  text: string;
}

/** Inspects one prefix match and decides what replaces it; null keeps the text. */
export type Scanner = (text: string, match: RegExpExecArray) => Replacement | null;

/**
 * Finds each match of the global regexp `re` (a bounded "key" prefix) and lets `scan` read the
 * value after it. Scanning resumes after the value, so no character is read twice by a value scan.
 */
export function replaceScanned(text: string, re: RegExp, scan: Scanner): string {
  let out = "";
  let pos = 0;
  let changed = false;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const r = scan(text, m);
    if (r === null) {
      re.lastIndex = m.index + 1;
      continue;
    }
    out += text.slice(pos, m.index) + r.text;
    pos = r.end;
    changed = true;
    re.lastIndex = Math.max(r.end, m.index + 1);
  }
  re.lastIndex = 0;
  return changed ? out + text.slice(pos) : text;
}

/** True for a space or a tab. */
export function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t";
}

/** True for a line break, or past the end of the text. */
export function isLineEnd(c: string | undefined): boolean {
  return c === undefined || c === "\n" || c === "\r";
}

/** True for any whitespace character a shell would split on, or past the end. */
export function isSpace(c: string | undefined): boolean {
  return c === undefined || c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" ||
    c === "\v";
}

/** Index of the first character at or after `i` that is not a space or tab. */
export function skipBlanks(text: string, i: number): number {
  while (isBlank(text[i])) i++;
  return i;
}

/** Options for scanQuoted. */
export interface QuoteOptions {
  /** Escape character inside the quotes ("\\" for sh and JSON, "`" for PowerShell, "" for none). */
  escape?: string;
  /** A doubled quote stands for one quote (PowerShell single quotes). */
  doubled?: boolean;
}

/** A quoted value: `end` is after the closing quote, or at the line end when unterminated. */
export interface QuotedSpan {
  /** Index just after the span. */
  end: number;
  /** Whether the closing quote was found on the same line. */
  closed: boolean;
}

/** Scans the quoted value whose opening quote is at `i`, never past the end of the line. */
export function scanQuoted(text: string, i: number, options: QuoteOptions = {}): QuotedSpan {
  const q = text[i];
  const escape = options.escape ?? "";
  let j = i + 1;
  while (!isLineEnd(text[j])) {
    const c = text[j];
    if (c === q) {
      if (options.doubled && text[j + 1] === q) {
        j += 2;
        continue;
      }
      return { end: j + 1, closed: true };
    }
    if (escape !== "" && c === escape && !isLineEnd(text[j + 1])) j += 2;
    else j++;
  }
  return { end: j, closed: false };
}

/**
 * Redacts a quoted value starting at `i` (the opening quote) and keeps the quotes. Returns null when
 * the quotes hold nothing but whitespace.
 */
export function redactQuoted(
  text: string,
  i: number,
  options: QuoteOptions = {},
): Replacement | null {
  const q = text[i];
  const span = scanQuoted(text, i, options);
  const inner = text.slice(i + 1, span.closed ? span.end - 1 : span.end);
  if (inner.trim() === "") return null;
  return { end: span.end, text: q + REDACTED + (span.closed ? q : "") };
}

/**
 * Index just after the bare token starting at `i`: characters up to whitespace, a quote or a
 * character `stop` accepts. With `escapes`, a backslash keeps the next character in the token.
 */
export function scanBare(
  text: string,
  i: number,
  stop: (c: string) => boolean,
  escapes = false,
): number {
  let j = i;
  while (j < text.length) {
    const c = text[j];
    if (escapes && c === "\\" && j + 1 < text.length && !isLineEnd(text[j + 1])) {
      j += 2;
      continue;
    }
    if (isSpace(c) || c === '"' || c === "'" || stop(c)) break;
    j++;
  }
  return j;
}

/** A stop predicate that accepts nothing (bare tokens end at whitespace and quotes only). */
export function noStop(_c: string): boolean {
  return false;
}
