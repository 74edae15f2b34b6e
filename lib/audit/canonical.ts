/**
 * Canonical JSON for hashing audit records: object keys sorted recursively by Unicode code point,
 * no whitespace, non-ASCII characters kept as they are. Values follow `JSON.stringify` rules.
 */

/** Compares two strings by Unicode code point (not UTF-16 code unit), like Python's `sorted`. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order only differs from code point order between a surrogate (an astral character,
    // above U+FFFF) and a BMP character at U+E000 or above.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs && !ys && y >= 0xe000) return 1;
    if (ys && !xs && x >= 0xe000) return -1;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Serializes a JSON value canonically: sorted keys, compact separators, non-ASCII kept.
 * `undefined` members are omitted and non-finite numbers become `null`, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join("");
}

function write(value: unknown, out: string[]): void {
  if (value === null || value === undefined) {
    out.push("null");
    return;
  }
  switch (typeof value) {
    case "string":
    case "boolean":
      out.push(JSON.stringify(value));
      return;
    case "number":
      out.push(Number.isFinite(value) ? JSON.stringify(value) : "null");
      return;
    case "bigint":
      out.push(JSON.stringify(value.toString()));
      return;
    case "object":
      break;
    default:
      out.push("null");
      return;
  }
  if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i) out.push(",");
      write(value[i], out);
    }
    out.push("]");
    return;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(compareCodePoints);
  out.push("{");
  for (let i = 0; i < keys.length; i++) {
    if (i) out.push(",");
    out.push(JSON.stringify(keys[i]), ":");
    write(obj[keys[i]], out);
  }
  out.push("}");
}
