/**
 * The last audit records, for `relay-shell audit tail` and the `audit_tail` tool. Only the end of
 * the file is read (backwards, in blocks), so a multi-GB log answers as fast as a small one.
 */
import { parseRecord } from "./chain.ts";
import { readTail } from "./_tail_reader.ts";

/** Which records {@linkcode tailAudit} returns. */
export interface TailFilter {
  /** The window: how many of the last on-disk lines are scanned, 1..1000. */
  lines: number;
  /** Only records of this tool. */
  tool?: string;
  /** Only records of this tier. */
  tier?: number;
  /** Only denied (true) or admitted (false) records. */
  denied?: boolean;
}

/** Most lines {@linkcode tailAudit} scans. */
export const MAX_TAIL_LINES = 1000;

/** Returns matching records among the last `filter.lines` lines, oldest first; missing file → []. */
export async function tailAudit(
  path: string,
  filter: TailFilter,
): Promise<Record<string, unknown>[]> {
  const n = filter.lines;
  if (!Number.isInteger(n) || n < 1 || n > MAX_TAIL_LINES) {
    throw new RangeError(
      `tailAudit: lines must be an integer from 1 to ${MAX_TAIL_LINES} (got ${n})`,
    );
  }
  let lines: string[];
  try {
    const tail = await readTail(path, n);
    // A torn final fragment is an on-disk line too (usually a write caught half-way).
    lines = tail.torn ? [...tail.lines, tail.torn].slice(-n) : tail.lines;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  const out: Record<string, unknown>[] = [];
  for (const line of lines) {
    const record = parseRecord(line);
    if (!record) continue;
    if (filter.tool !== undefined && record.tool !== filter.tool) continue;
    if (filter.tier !== undefined && record.tier !== filter.tier) continue;
    if (filter.denied !== undefined && record.denied !== filter.denied) continue;
    out.push(record);
  }
  return out;
}
