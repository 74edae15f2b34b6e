/** Registered secret values (for example loaded from a .env file) plus the patterns. */
import { REDACTED } from "./placeholder.ts";
import { redactArgs } from "./redact_args.ts";
import { redactText } from "./redact_text.ts";

function escapeRegExp(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/** Short text the patterns left unchanged is remembered (argument keys, hosts, commands). */
export const CLEAN_MEMO_MAX_LENGTH = 256;
/** How many such texts are remembered (least recently used dropped first). */
export const CLEAN_MEMO_ENTRIES = 1024;

/** Holds registered literal secret values and applies them plus the patterns. */
export class Redactor {
  readonly #values = new Set<string>();
  /**
   * Short texts in which the patterns found nothing (the patterns are fixed, so such a text
   * stays clean). Text in which they found something is never kept: no secret waits here.
   */
  readonly #clean = new Set<string>();
  /** One alternation of every value, longest first; rebuilt lazily after a change. */
  #pattern: RegExp | null = null;
  #longest = 0;

  /** Registers a literal value to be replaced by [REDACTED]; empty strings are ignored. Returns true if newly added. */
  register(value: string): boolean {
    if (typeof value !== "string") throw new TypeError("Redactor.register: value must be a string");
    if (value === "" || this.#values.has(value)) return false;
    this.#values.add(value);
    this.#pattern = null;
    return true;
  }

  /** Forgets a registered value. Returns true if it was registered. */
  unregister(value: string): boolean {
    const had = this.#values.delete(value);
    if (had) this.#pattern = null;
    return had;
  }

  /** Forgets every registered value. */
  clear(): void {
    this.#values.clear();
    this.#pattern = null;
  }

  /** Number of registered values. */
  get size(): number {
    return this.#values.size;
  }

  /** Replaces registered literal values only (longest first); used on tool output. Fast path when none registered. */
  redactLiterals(text: string): string {
    if (this.#values.size === 0 || text.length === 0) return text;
    const re = this.#compiled();
    let out = "";
    let pos = 0; // input consumed so far
    let start = -1; // current merged span of matches
    let end = -1;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const s = m.index;
      const e = s + m[0].length;
      if (s < end) {
        // Overlaps the current span (`abcd` and `cdef` in `abcdef`): hide the union.
        end = Math.max(end, e);
      } else {
        if (start >= 0) {
          out += text.slice(pos, start) + REDACTED;
          pos = end;
        }
        start = s;
        end = e;
      }
      // A match starting before `end - longest` ends inside the span: skip those starts.
      re.lastIndex = Math.max(s + 1, end - this.#longest + 1);
    }
    re.lastIndex = 0;
    if (start < 0) return text;
    return out + text.slice(pos, start) + REDACTED + text.slice(end);
  }

  /** Patterns then literals; used for error messages, log lines and audit arguments. */
  redact(text: string): string {
    return this.redactLiterals(this.#patterns(text));
  }

  /** redactArgs() using this.redact. */
  redactArgs(value: unknown, maxLength?: number): unknown {
    return redactArgs(value, { maxLength, redact: (s) => this.redact(s) });
  }

  #patterns(text: string): string {
    if (text.length > CLEAN_MEMO_MAX_LENGTH) return redactText(text);
    if (this.#clean.has(text)) {
      this.#clean.delete(text);
      this.#clean.add(text);
      return text;
    }
    const out = redactText(text);
    if (out === text) {
      this.#clean.add(text);
      if (this.#clean.size > CLEAN_MEMO_ENTRIES) {
        this.#clean.delete(this.#clean.values().next().value!);
      }
    }
    return out;
  }

  #compiled(): RegExp {
    if (this.#pattern === null) {
      const values = [...this.#values].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
      this.#longest = values[0].length;
      this.#pattern = new RegExp(values.map(escapeRegExp).join("|"), "g");
    }
    return this.#pattern;
  }
}
