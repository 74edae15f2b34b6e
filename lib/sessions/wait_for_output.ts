/**
 * Waiting on a session's output without polling: the wait sleeps on the log's change
 * notification and on one timer for its nearest deadline, and wakes only when output arrives,
 * the session ends, a deadline passes or the call is aborted. It returns when there is output
 * after the cursor, when an `until` pattern matches the ANSI-stripped text after the cursor,
 * when output has been quiet for `idleMs`, on timeout, on end, or on abort.
 */
import { RE2JS } from "re2js";
import { stripAnsi } from "./ansi.ts";
import type { OutputLog } from "./output_log.ts";

/** Decides whether the text after the cursor is what the caller waits for. */
export interface OutputMatcher {
  /** True when `text` (ANSI-stripped, the newest `scanBytes` after the cursor) matches. */
  test(text: string): boolean;
}

/** Why a wait returned. */
export type WaitReason = "data" | "matched" | "idle" | "timeout" | "ended" | "aborted";

/** Options for {@linkcode waitForOutput}. */
export interface WaitOptions {
  /** Wait until this matches (instead of until any output). */
  until?: OutputMatcher;
  /** Return once output has been quiet this long (measured from the later of the call and the last output). */
  idleMs?: number;
  /** Longest wait; 0 checks once. */
  timeoutMs: number;
  /** Ends the wait early. */
  signal?: AbortSignal;
  /** With neither `until` nor `idleMs`: once output is there, wait for this much quiet (default 0). */
  settleMs?: number;
  /** Upper bound on the settling (default 250 ms). */
  settleMaxMs?: number;
  /** The newest bytes after the cursor a pattern sees (default 65536). */
  scanBytes?: number;
}

/** The outcome of a wait. */
export interface WaitResult {
  /** Why it returned. */
  reason: WaitReason;
  /** How long it waited, in milliseconds. */
  waitedMs: number;
}

const MATCH_INTERVAL_MS = 20; // re-scan at most this often while output streams

/** Compiles a user pattern with RE2 (linear time); throws a TypeError naming `argument`. */
export function compileUntil(pattern: string, argument = "until"): OutputMatcher {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, RE2JS.MULTILINE);
  } catch (err) {
    throw new TypeError(`${argument}: invalid regular expression: ${(err as Error).message}`);
  }
  return { test: (text) => re.matcher(text).find() };
}

const decoder = new TextDecoder();

/** Waits on `log` after absolute `cursor`; see the module comment. Never throws on abort. */
export async function waitForOutput(
  log: OutputLog,
  cursor: number,
  options: WaitOptions,
): Promise<WaitResult> {
  const now = () => performance.now();
  const t0 = now();
  const deadline = t0 + Math.max(0, options.timeoutMs);
  const scan = options.scanBytes ?? 65536;
  const settle = options.settleMs ?? 0;
  const settleMax = options.settleMaxMs ?? 250;
  const { until, idleMs, signal } = options;
  let aborted!: () => void;
  const abortP = new Promise<void>((r) => (aborted = r));
  signal?.addEventListener("abort", aborted, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastScan = -Infinity;
  let gap = 0;
  let scannedAt = -1;
  let dataSeenAt = -1;
  const done = (reason: WaitReason): WaitResult => ({ reason, waitedMs: Math.round(now() - t0) });
  try {
    for (;;) {
      if (signal?.aborted) return done("aborted");
      const t = now();
      let wake = deadline;
      if (until) {
        if (log.produced !== scannedAt) {
          if (t - lastScan >= gap || log.ended || t >= deadline) {
            lastScan = t;
            scannedAt = log.produced;
            const window = log.tail(cursor, scan);
            // Re-scan a large window at most every MATCH_INTERVAL_MS while output streams; a small one at once.
            gap = Math.min(MATCH_INTERVAL_MS, (window.length / scan) * MATCH_INTERVAL_MS);
            if (until.test(stripAnsi(decoder.decode(window)))) return done("matched");
          } else wake = Math.min(wake, lastScan + gap);
        }
      } else if (idleMs === undefined && log.produced > cursor) {
        if (dataSeenAt < 0) dataSeenAt = t;
        const settledAt = Math.min(log.lastOutputAt + settle, dataSeenAt + settleMax);
        if (t >= settledAt || log.ended) return done("data");
        wake = Math.min(wake, settledAt);
      }
      if (log.ended) return done("ended");
      if (idleMs !== undefined) {
        const idleAt = Math.max(t0, log.lastOutputAt) + idleMs;
        if (t >= idleAt) return done("idle");
        wake = Math.min(wake, idleAt);
      }
      if (t >= deadline) return done("timeout");
      const sleep = new Promise<void>((
        r,
      ) => (timer = setTimeout(r, Math.max(1, Math.ceil(wake - t)))));
      await Promise.race([log.changed(), sleep, abortP]);
      clearTimeout(timer);
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", aborted);
  }
}
