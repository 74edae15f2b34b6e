/**
 * Shell words as the classifier sees them: the text after quote removal and escape processing,
 * plus flags for parts the parser cannot resolve statically (expansions, substitutions, globs).
 */
import type { Node } from "web-tree-sitter";

/** One shell word after quote removal. */
export interface Word {
  /** The static text; unresolved expansions keep their source text (`$HOME`, `$(date)`). */
  readonly text: string;
  /** True when part of the word is an expansion or substitution. */
  readonly dynamic: boolean;
  /** True when the unquoted part holds glob (`*?[`) or brace (`{a,b}`) patterns. */
  readonly glob: boolean;
}

/** A static word (raw tokens, synthetic words). */
export function staticWord(text: string): Word {
  return { text, dynamic: false, glob: false };
}

const DYNAMIC_TYPES = new Set([
  "simple_expansion",
  "expansion",
  "command_substitution",
  "process_substitution",
  "arithmetic_expansion",
]);

/** The word a syntax node stands for. Unknown node kinds count as dynamic. */
export function wordOf(node: Node): Word {
  switch (node.type) {
    case "word":
      return unquotedWord(node.text);
    case "number":
    case "variable_name":
      return staticWord(node.text);
    case "raw_string":
      return staticWord(node.text.slice(1, -1));
    case "ansi_c_string":
      return staticWord(decodeAnsiC(node.text.slice(2, -1)));
    case "string":
      return doubleQuoted(node);
    case "translated_string": {
      const inner = node.namedChild(0);
      return inner ? wordOf(inner) : staticWord("");
    }
    case "concatenation": {
      let text = "";
      let dynamic = false;
      let glob = false;
      for (const child of node.namedChildren) {
        if (!child) continue;
        const w = wordOf(child);
        text += w.text;
        dynamic ||= w.dynamic;
        glob ||= w.glob;
      }
      // `{a,b}` arrives as the pieces `{`, `a,b`, `}`: look at the joined text.
      if (!glob && /\{[^{}]*(,|\.\.)[^{}]*\}/.test(text)) glob = true;
      return { text, dynamic, glob };
    }
    case "brace_expression":
      return { text: node.text, dynamic: false, glob: true };
    default:
      return { text: node.text, dynamic: true, glob: false };
  }
}

function unquotedWord(source: string): Word {
  if (!source.includes("\\")) {
    return { text: source, dynamic: false, glob: /[*?[]/.test(source) && source !== "[" };
  }
  let text = "";
  let glob = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      const next = source[i + 1];
      if (next === undefined) break;
      i++;
      if (next !== "\n") text += next;
      continue;
    }
    if (c === "*" || c === "?" || c === "[") glob = true;
    text += c;
  }
  return { text, dynamic: false, glob };
}

function doubleQuoted(node: Node): Word {
  let text = "";
  let dynamic = false;
  for (const child of node.children) {
    if (!child) continue;
    if (child.type === "string_content") text += unescapeDoubleQuoted(child.text);
    else if (child.type === '"') continue;
    else if (DYNAMIC_TYPES.has(child.type) || child.isNamed) {
      text += child.text;
      dynamic = true;
    } else text += child.text;
  }
  return { text, dynamic, glob: false };
}

function unescapeDoubleQuoted(s: string): string {
  if (!s.includes("\\")) return s;
  return s.replace(/\\([\\"$`\n])/g, (_m, c: string) => (c === "\n" ? "" : c));
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  e: "\x1b",
  E: "\x1b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "?": "?",
};

/** Decodes the body of a `$'…'` string (`\x72\x6d` is `rm`). */
export function decodeAnsiC(body: string): string {
  if (!body.includes("\\")) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== "\\" || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const n = body[++i];
    if (n in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[n];
    else if (n === "x" || n === "u" || n === "U") {
      const max = n === "x" ? 2 : n === "u" ? 4 : 8;
      const m = /^[0-9a-fA-F]+/.exec(body.slice(i + 1, i + 1 + max));
      if (!m) out += "\\" + n;
      else {
        const cp = parseInt(m[0], 16);
        out += cp <= 0x10ffff ? String.fromCodePoint(cp) : "";
        i += m[0].length;
      }
    } else if (n >= "0" && n <= "7") {
      const m = /^[0-7]{1,3}/.exec(body.slice(i, i + 3))!;
      out += String.fromCharCode(parseInt(m[0], 8) & 0xff);
      i += m[0].length - 1;
    } else if (n === "c" && i + 1 < body.length) {
      out += String.fromCharCode(body.charCodeAt(++i) & 0x1f);
    } else out += "\\" + n;
  }
  return out;
}

/**
 * The lookup key of a command name: the basename (after `/` or `\`), lower-cased, without a
 * trailing `.exe`. Case-insensitive on purpose: PowerShell and case-insensitive file systems.
 */
export function commandKey(name: string): string {
  let base = name;
  const slash = Math.max(base.lastIndexOf("/"), base.lastIndexOf("\\"));
  if (slash >= 0) base = base.slice(slash + 1);
  base = base.toLowerCase();
  if (base.endsWith(".exe")) base = base.slice(0, -4);
  return base;
}

/** True for `NAME=value` (a leading assignment, not a command name). */
export function isAssignment(text: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/.test(text);
}
