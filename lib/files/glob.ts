/**
 * A small glob matcher for listings: `*` (within one path component), `**` (any depth), `?`,
 * `[abc]` / `[!a-z]` and `{a,b}`. A pattern without `/` is matched against the entry's name; one
 * with `/` against its path relative to the listed directory.
 */

/** A compiled glob. */
export interface GlobMatcher {
  /** True when the entry at `relPath` (`a/b/c.txt`) matches. */
  (relPath: string): boolean;
}

const MAX_PATTERN = 1024;

/** Compiles `pattern`; throws TypeError (naming `arg`) for an unbalanced `[` or `{`, or a huge pattern. */
export function compileGlob(pattern: string, arg = "glob"): GlobMatcher {
  if (pattern.length > MAX_PATTERN) {
    throw new TypeError(`${arg}: longer than ${MAX_PATTERN} characters`);
  }
  const re = new RegExp(`^${translate(pattern, arg)}$`, "s");
  const byName = !pattern.includes("/");
  return (relPath) => re.test(byName ? relPath.slice(relPath.lastIndexOf("/") + 1) : relPath);
}

function escape(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

function translate(p: string, arg: string): string {
  let out = "";
  let braces = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "\\" && i + 1 < p.length) {
      out += escape(p[++i]);
    } else if (c === "*") {
      if (p[i + 1] === "*") {
        const slashAfter = p[i + 2] === "/";
        const atStart = i === 0 || p[i - 1] === "/";
        i += slashAfter && atStart ? 2 : 1;
        // `**/` matches zero or more directories; a bare `**` anything.
        out += slashAfter && atStart ? "(?:[^/]*/)*" : ".*";
      } else out += "[^/]*";
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "[") {
      const end = p.indexOf("]", i + 2);
      if (end < 0) throw new TypeError(`${arg}: unclosed [ in ${JSON.stringify(p)}`);
      let body = p.slice(i + 1, end);
      const negate = body[0] === "!" || body[0] === "^";
      if (negate) body = body.slice(1);
      out += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else if (c === "{") {
      braces++;
      out += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (c === "," && braces > 0) {
      out += "|";
    } else {
      out += escape(c);
    }
  }
  if (braces > 0) throw new TypeError(`${arg}: unclosed { in ${JSON.stringify(p)}`);
  return out;
}
