/**
 * Reads ssh_config files through `npm:ssh-config`'s parser (its `compute()` is not used: it has
 * no Include, runs `Match exec` commands and loses line numbers). Each file becomes a flat list
 * of directives with file and line, cached by inode, size and mtime, so a changed file is
 * re-read on the next access. Include patterns are globbed here (`*`, `?`, `[…]`, sorted).
 */
import SSHConfig from "ssh-config";
import { racy } from "../known_hosts.ts";

/** One directive line: lower-case keyword, its arguments, and where it is. */
export interface SshConfigLine {
  /** Keyword in lower case (`host`, `match`, `hostname`, `identityfile`, …). */
  readonly key: string;
  /** Arguments with quotes removed. */
  readonly args: readonly string[];
  /** The file. */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
}

/** A problem found while reading or evaluating ssh_config. */
export interface SshConfigProblem {
  /** The file (or "" when not tied to one). */
  readonly file: string;
  /** 1-based line, or 0. */
  readonly line: number;
  /** What is wrong. */
  readonly message: string;
}

/** One parsed file. */
export interface SshConfigFile {
  /** Absolute path. */
  readonly path: string;
  /** False when the file does not exist. */
  readonly exists: boolean;
  /** Directives in file order (Host/Match lines included). */
  readonly lines: readonly SshConfigLine[];
  /** Why the file could not be used, if it could not. */
  readonly error?: string;
}

interface ParsedNode {
  type: number;
  before: string;
  after: string;
  param?: string;
  value?: string | { val: string }[];
  config?: ParsedNode[];
}

function countNewlines(text: string): number {
  let n = 0;
  for (const c of text) if (c === "\n") n++;
  return n;
}

/** Flattens the parser's nested sections into directive lines with line numbers. */
function flatten(nodes: readonly ParsedNode[], file: string): SshConfigLine[] {
  const out: SshConfigLine[] = [];
  let line = 1;
  const walk = (list: readonly ParsedNode[]) => {
    for (const node of list) {
      line += countNewlines(node.before ?? "");
      if (node.type === 1 && node.param) {
        const v = node.value;
        const args = v === undefined ? [] : typeof v === "string" ? [v] : v.map((x) => x.val);
        out.push({ key: node.param.toLowerCase(), args, file, line });
      }
      line += countNewlines(node.after ?? "");
      if (node.config) walk(node.config);
    }
  };
  walk(nodes);
  return out;
}

/** Parses ssh_config text into directive lines; throws on text the parser rejects. */
export function parseSshConfigText(text: string, file: string): SshConfigLine[] {
  const parsed = SSHConfig.parse(text) as unknown as ParsedNode[];
  return flatten(parsed, file);
}

/** A file cache keyed by path and checked against inode, size and mtime on every access. */
export class SshConfigFiles {
  #cache = new Map<string, { stamp: string; file: SshConfigFile }>();

  /** The parsed file (cached while unchanged). */
  read(path: string): SshConfigFile {
    let stamp: string;
    let st: Deno.FileInfo;
    try {
      st = Deno.statSync(path);
      if (!st.isFile) return { path, exists: true, lines: [], error: "not a regular file" };
      stamp = `${st.ino}:${st.size}:${st.mtime?.getTime()}`;
    } catch (err) {
      this.#cache.delete(path);
      if (err instanceof Deno.errors.NotFound) return { path, exists: false, lines: [] };
      return { path, exists: true, lines: [], error: `cannot read: ${err}` };
    }
    const hit = this.#cache.get(path);
    if (hit && hit.stamp === stamp) return hit.file;
    let file: SshConfigFile;
    try {
      const text = Deno.readTextFileSync(path);
      file = { path, exists: true, lines: parseSshConfigText(text, path) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      file = { path, exists: true, lines: [], error: `cannot parse: ${message}` };
    }
    if (!racy(st)) this.#cache.set(path, { stamp, file });
    return file;
  }
}

function segmentRegExp(segment: string): RegExp {
  let re = "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = segment.indexOf("]", i + 2);
      if (end < 0) {
        re += "\\[";
        continue;
      }
      let body = segment.slice(i + 1, end);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      re += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, (x) => `\\${x}`)}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, (x) => `\\${x}`);
  }
  return new RegExp(`^${re}$`);
}

const GLOB_CHARS = /[*?[]/;

/** Expands a glob(7) path pattern to existing paths in lexical order (no match: []). */
export function globPaths(pattern: string): string[] {
  if (!GLOB_CHARS.test(pattern)) {
    try {
      Deno.statSync(pattern);
      return [pattern];
    } catch {
      return [];
    }
  }
  const parts = pattern.split("/");
  let bases = [pattern.startsWith("/") ? "/" : "."];
  for (let i = pattern.startsWith("/") ? 1 : 0; i < parts.length; i++) {
    const seg = parts[i];
    if (seg === "") continue;
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      const join = (name: string) => (base === "/" ? `/${name}` : `${base}/${name}`);
      if (!GLOB_CHARS.test(seg)) {
        next.push(join(seg));
        continue;
      }
      const re = segmentRegExp(seg);
      let names: string[] = [];
      try {
        names = [...Deno.readDirSync(base)]
          .filter((e) => last || e.isDirectory || e.isSymlink)
          .map((e) => e.name);
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        if (name.startsWith(".") && !seg.startsWith(".")) continue;
        if (re.test(name)) next.push(join(name));
      }
    }
    bases = next;
  }
  return bases.filter((p) => {
    try {
      Deno.statSync(p);
      return true;
    } catch {
      return false;
    }
  }).sort();
}
