/**
 * The fallback scan over raw text, for input the parser cannot read (or reads only partly) and for
 * opaque code handed to an interpreter (`python -c`, PowerShell blocks). The text is cut into
 * tokens at whitespace, quotes and shell punctuation, and token windows go through the same
 * vocabulary as parsed commands.
 */
import { analyseWindow, type Scan } from "./_command.ts";
import { DB_CLIENTS, sqlHits } from "./_sql.ts";
import { staticWord, type Word } from "./_words.ts";
import { Tier } from "./tier.ts";

/**
 * `every`: every token may start a command (unparseable shell: most conservative).
 * `starts`: only tokens at a segment start or just after an opening quote, `(`, `[` or `,`
 * (interpreter code, where prose inside strings is common).
 */
export type RawMode = "every" | "starts";

/** Tokens per window handed to the vocabulary. */
const WINDOW = 24;

const TEXT_PATTERNS: ReadonlyArray<readonly [RegExp, Tier, string]> = [
  [/:\s*\(\s*\)\s*\{/, Tier.IRREVERSIBLE, "fork bomb pattern"],
  [
    /(>|>>|>\||&>|&>>|<>)\s*["']?\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|dm-|mapper\/|md\d|disk\/)/,
    Tier.IRREVERSIBLE,
    "write to a block device",
  ],
  [/(>|>>|>\||&>)\s*["']?\/proc\/sysrq-trigger/, Tier.IRREVERSIBLE, "write to /proc/sysrq-trigger"],
  [/(>|>>|>\||&>|&>>)\s*["']?\/etc\//, Tier.STATEFUL, "write into /etc"],
];

const SEGMENT = new Set([";", "&", "|", "(", ")", "{", "}", "[", "]", "\n", "\r", "<", ">", "`"]);
const STARTERS = new Set(["'", '"', "(", "[", ","]);

interface Token {
  text: string;
  start: boolean;
  segment: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let cur = "";
  let curStart = false;
  let nextStart = true;
  let segment = 0;
  const flush = () => {
    if (cur !== "" && cur !== "$") tokens.push({ text: cur, start: curStart, segment });
    cur = "";
  };
  for (let i = 0; i < text.length; i++) {
    let ch = text[i];
    if (ch === "\\") {
      ch = text[++i] ?? "";
      if (ch === "" || ch === "\n") continue;
    } else {
      const segmentBreak = SEGMENT.has(ch);
      if (
        segmentBreak || STARTERS.has(ch) || ch === " " || ch === "\t" || ch === "'" || ch === '"'
      ) {
        flush();
        if (segmentBreak) segment++;
        if (segmentBreak || STARTERS.has(ch)) nextStart = true;
        continue;
      }
    }
    if (cur === "") {
      curStart = nextStart;
      nextStart = false;
    }
    cur += ch;
  }
  flush();
  return tokens;
}

/** Scans raw text into `scan` (which must be a raw scan: no nested parsing). */
export function rawScan(text: string, mode: RawMode, scan: Scan): void {
  for (const [re, tier, reason] of TEXT_PATTERNS) if (re.test(text)) scan.add(tier, reason);
  const tokens = tokenize(text);
  const client = tokens.some((t) => DB_CLIENTS.has(t.text.toLowerCase()));
  for (const [tier, reason] of sqlHits(text, client)) scan.add(tier, reason);
  for (let i = 0; i < tokens.length; i++) {
    if (mode === "starts" && !tokens[i].start) continue;
    const words: Word[] = [];
    for (
      let j = i;
      j < tokens.length && j < i + WINDOW && tokens[j].segment === tokens[i].segment;
      j++
    ) {
      words.push(staticWord(tokens[j].text));
    }
    analyseWindow(words, scan);
  }
}
