/** Redaction of a JSON-like arguments value for one audit line. */
import { REDACTED } from "./placeholder.ts";
import { redactText } from "./redact_text.ts";

/** Options for redactArgs. */
export interface RedactArgsOptions {
  /** Longest string kept, in UTF-16 code units; longer ones end in `...(+N)` (default 500). */
  maxLength?: number;
  /** The string scrubber (default redactText). */
  redact?: (s: string) => string;
}

/** Default maxLength. */
const DEFAULT_MAX_LENGTH = 500;
/** Characters scanned past maxLength, so a secret straddling the cut is still recognised. */
const SCAN_SLACK = 16384;
/** Containers nested deeper than this become DEPTH_LIMIT. */
const MAX_DEPTH = 16;
const DEPTH_LIMIT = "[depth limit]";
const CIRCULAR = "[circular]";

// A key naming a secret hides every string and number beneath it: `{ password: "x" }`,
// `{ apiKey: "x" }`, `{ DB_PASSWORD: "x" }`; not `max_tokens`, `tokenizer`, `password_min_length`.
const SECRET_KEY =
  /(?:secret[_-]?access[_-]?key|api[_-]?key|secret|token|passwd|password|passphrase|pwd|credential|authorization)$/i;

const utf8 = new TextDecoder("utf-8");

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Cuts `text` to at most `n` code units without splitting a surrogate pair. */
function cut(text: string, n: number): string {
  let end = Math.min(n, text.length);
  if (end > 0 && end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end);
}

class ArgsRedaction {
  readonly #maxLength: number;
  readonly #redact: (s: string) => string;
  readonly #ancestors = new Set<object>();

  constructor(maxLength: number, redact: (s: string) => string) {
    this.#maxLength = maxLength;
    this.#redact = redact;
  }

  /** Scrubs the first maxLength + SCAN_SLACK characters and cuts the result to maxLength. */
  string(s: string): string {
    const scanned = s.length > this.#maxLength + SCAN_SLACK
      ? cut(s, this.#maxLength + SCAN_SLACK)
      : s;
    const unscanned = s.length - scanned.length;
    const red = this.#redact(scanned);
    if (unscanned === 0 && red.length <= this.#maxLength) return red;
    const kept = cut(red, this.#maxLength);
    return `${kept}...(+${red.length - kept.length + unscanned})`;
  }

  value(v: unknown, depth: number, secret: boolean): unknown {
    if (typeof v === "string") return secret && v !== "" ? REDACTED : this.string(v);
    if (typeof v === "number" || typeof v === "bigint") return secret ? REDACTED : v;
    if (v === null || typeof v !== "object") return v;
    if (v instanceof Uint8Array) return this.value(utf8.decode(v), depth, secret);
    if (depth >= MAX_DEPTH) return DEPTH_LIMIT;
    if (this.#ancestors.has(v)) return CIRCULAR;
    this.#ancestors.add(v);
    try {
      if (Array.isArray(v)) return v.map((item) => this.value(item, depth + 1, secret));
      return this.object(v as Record<string, unknown>, depth, secret);
    } finally {
      this.#ancestors.delete(v);
    }
  }

  object(v: Record<string, unknown>, depth: number, secret: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      const scrubbed = this.string(key);
      let name = scrubbed;
      // Two keys may scrub to the same text; keep both entries.
      for (let n = 2; Object.hasOwn(out, name); n++) name = `${scrubbed} (${n})`;
      const item = this.value(v[key], depth + 1, secret || SECRET_KEY.test(key));
      // defineProperty: a `__proto__` key stays an ordinary property.
      Object.defineProperty(out, name, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
}

/**
 * Recursively redacts a JSON-like value for an audit line: strings scrubbed then cut to maxLength
 * chars with suffix `...(+N)` (N = chars dropped); object keys AND values scrubbed; arrays
 * recursed; Uint8Array decoded as UTF-8 (replacement) then scrubbed; numbers/booleans/null
 * unchanged; depth bounded (deeper -> "[depth limit]"); cycles -> "[circular]". Every string or
 * number beneath a key that names a secret (`password`, `apiKey`, `DB_TOKEN`) becomes [REDACTED].
 */
export function redactArgs(value: unknown, options: RedactArgsOptions = {}): unknown {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (!Number.isSafeInteger(maxLength) || maxLength < 0) {
    throw new RangeError(`redactArgs: maxLength must be a non-negative integer, got ${maxLength}`);
  }
  return new ArgsRedaction(maxLength, options.redact ?? redactText).value(value, 0, false);
}
