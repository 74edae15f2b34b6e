/** Output bounds and clamping helpers shared by the runner and the tools. */
import { utf8HeadBoundary } from "../exec/collector.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Clamps `value` to [min, max]; undefined gives `fallback` (then clamped). Rounds to an integer. */
export function clampInt(
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = value === undefined || !Number.isFinite(value) ? fallback : value;
  return Math.min(max, Math.max(min, Math.round(v)));
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes at a character boundary, saying how much was cut. */
export function boundText(text: string, maxBytes: number): { text: string; cut: number } {
  if (text.length <= maxBytes / 3) return { text, cut: 0 }; // cannot exceed: 3 bytes per UTF-16 unit max
  const bytes = enc.encode(text);
  if (bytes.length <= maxBytes) return { text, cut: 0 };
  const end = utf8HeadBoundary(bytes, maxBytes);
  const cut = bytes.length - end;
  return {
    text: `${
      dec.decode(bytes.subarray(0, end))
    }\n[result cut: ${cut} of ${bytes.length} bytes not shown]`,
    cut,
  };
}

/** Applies `fn` to every string inside a JSON-like value (objects and arrays rebuilt). */
export function mapStrings(value: unknown, fn: (s: string) => string, depth = 0): unknown {
  if (typeof value === "string") return fn(value);
  if (depth > 32 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn, depth + 1);
  return out;
}
