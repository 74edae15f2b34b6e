/**
 * OpenSSH pattern matching as used by known_hosts host fields, `Host` lines and `Match`
 * criteria: `*` matches any run of characters, `?` exactly one, `!` negates an entry of a
 * comma-separated list. Iterative (no recursion), so hostile patterns cannot blow the stack or
 * take exponential time.
 */

/** True when `text` matches the glob `pattern` (`*`, `?`; every other character is literal). */
export function matchPattern(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (p < pattern.length && (c === "?" || (c !== "*" && c === text[t]))) {
      t++;
      p++;
    } else if (p < pattern.length && c === "*") {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/**
 * Matches `text` against a comma-separated pattern list the way OpenSSH's `match_pattern_list`
 * does: 1 for a positive match, -1 when a negated entry (`!pat`) matches (which vetoes the
 * whole list), 0 for no match. With `lowercase`, both sides compare in lower case.
 */
export function matchPatternList(text: string, list: string, lowercase = false): -1 | 0 | 1 {
  const subject = lowercase ? text.toLowerCase() : text;
  let positive = false;
  for (const entry of list.split(",")) {
    if (entry === "") continue;
    const negated = entry.startsWith("!");
    const pat = lowercase
      ? entry.slice(negated ? 1 : 0).toLowerCase()
      : entry.slice(negated ? 1 : 0);
    if (matchPattern(subject, pat)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/** True when a host pattern contains a wildcard or negation (so it names no single host). */
export function isHostPattern(text: string): boolean {
  return /[*?!]/.test(text);
}
