/**
 * Fail-closed verification of an audit file's hash chain, streamed line by line with bounded
 * memory (GB-sized files are fine; `.gz` segments are decompressed on the fly). Leading unchained
 * (legacy) lines are skipped; from the first chained record on, every line must be a chained
 * record whose `seq` is one more than the previous, whose `prev` is the previous `chain`, and
 * whose `chain` recomputes. Tail truncation cannot be seen from one file; keep an off-host copy.
 */
import { chainFieldProblem, chainMatches, GENESIS, parseRecord } from "./chain.ts";
import { fileChunks, MAX_LINE_BYTES, splitLines } from "./_lines.ts";

/** Options for {@linkcode verifyAuditFile}. */
export interface VerifyOptions {
  /** Accept a chain that does not start at seq 0 / genesis (a rotated-away head). */
  segment?: boolean;
  /** Stops a long verification; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The outcome of {@linkcode verifyAuditFile}. */
export interface VerifyResult {
  /** True only when a chain was found and every check passed. */
  ok: boolean;
  /** The file verified. */
  path: string;
  /** Whether the file exists. */
  present: boolean;
  /** Lines read (stops at the first break). */
  records: number;
  /** Chained records verified before any break. */
  chained_records: number;
  /** True when the chain starts at seq 0 with the genesis `prev`. */
  anchored: boolean;
  /** `seq` of the first chained record, or null. */
  start_seq: number | null;
  /** `seq` of the last verified record, or null. */
  head_seq: number | null;
  /** 1-based line number of the first break, or null. */
  broken_at: number | null;
  /** What was found, in words. */
  reason: string;
}

/** Verifies the hash chain of the audit file at `path`; never throws for file problems. */
export async function verifyAuditFile(
  path: string,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const r: VerifyResult = {
    ok: false,
    path,
    present: true,
    records: 0,
    chained_records: 0,
    anchored: false,
    start_seq: null,
    head_seq: null,
    broken_at: null,
    reason: "",
  };
  const fail = (line: number | null, reason: string): VerifyResult => {
    r.broken_at = line;
    r.reason = reason;
    return r;
  };
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) return fail(null, `${path} is not a regular file`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      r.present = false;
      return fail(null, "audit file not found");
    }
    return fail(null, `cannot read the audit file: ${(err as Error).message}`);
  }

  const decoder = new TextDecoder();
  let skipped = 0;
  let prevChain = "";
  let lineNo = 0;
  try {
    for await (const line of splitLines(fileChunks(path))) {
      lineNo++;
      r.records++;
      if ((lineNo & 1023) === 0) options.signal?.throwIfAborted();
      const chained = r.start_seq !== null;
      if (line.overlong) {
        if (!chained) {
          skipped++;
          continue;
        }
        return fail(lineNo, `line ${lineNo} is longer than ${MAX_LINE_BYTES} bytes`);
      }
      const text = decoder.decode(line.bytes);
      if (!line.terminated) {
        return fail(
          lineNo,
          `torn final line ${lineNo} (no trailing newline: an interrupted write)` +
            (chained ? `; the chain before it is intact through seq ${r.head_seq}` : ""),
        );
      }
      const record = parseRecord(text);
      if (!chained) {
        // Leading legacy lines: anything before the first chained record is skipped.
        if (!record || chainFieldProblem(record) === "record is not chained") {
          skipped++;
          continue;
        }
      }
      if (!record) return fail(lineNo, `line ${lineNo} is not a JSON object`);
      const problem = chainFieldProblem(record);
      if (problem) return fail(lineNo, `line ${lineNo}: ${problem}`);
      const seq = record.seq as number;
      const prev = record.prev as string;
      if (!chained) {
        r.start_seq = seq;
        if (seq === 0 && prev !== GENESIS) {
          return fail(lineNo, `line ${lineNo}: seq 0 does not link to the genesis prev`);
        }
        if (seq !== 0 && prev === GENESIS) {
          return fail(lineNo, `line ${lineNo}: seq ${seq} claims the genesis prev`);
        }
        r.anchored = seq === 0;
        if (!r.anchored && !options.segment) {
          return fail(
            lineNo,
            `the chain starts at seq ${seq}, not at genesis: the head was removed or rotated away ` +
              `(verify a rotated file with segment)`,
          );
        }
      } else {
        const expected = (r.head_seq as number) + 1;
        if (seq === 0 && prev === GENESIS) {
          return fail(
            lineNo,
            `line ${lineNo}: the chain restarts at genesis (a seam) after seq ${r.head_seq}`,
          );
        }
        if (seq !== expected) {
          const what = seq > expected
            ? `${
              seq - expected
            } record(s) missing: deleted, or written to stderr while the sink was degraded`
            : "lines reordered or duplicated";
          return fail(lineNo, `line ${lineNo}: seq ${seq} follows seq ${r.head_seq} (${what})`);
        }
        if (prev !== prevChain) {
          return fail(lineNo, `line ${lineNo}: prev does not match the chain of seq ${r.head_seq}`);
        }
      }
      if (!chainMatches(record)) {
        return fail(
          lineNo,
          `line ${lineNo}: seq ${seq} content does not match its chain value (edited)`,
        );
      }
      r.chained_records++;
      r.head_seq = seq;
      prevChain = record.chain as string;
    }
  } catch (err) {
    if (options.signal?.aborted && err === options.signal.reason) throw err;
    return fail(lineNo + 1, `cannot read line ${lineNo + 1}: ${(err as Error).message}`);
  }
  if (r.chained_records === 0) {
    return fail(
      null,
      lineNo === 0 ? "the audit file is empty" : `no chained records in ${lineNo} lines`,
    );
  }
  r.ok = true;
  r.reason = `chain intact: ${r.chained_records} records, seq ${r.start_seq}..${r.head_seq}` +
    (r.anchored ? " from genesis" : " (segment: not anchored at genesis)") +
    (skipped ? `; ${skipped} leading unchained line(s) skipped` : "");
  return r;
}
