/**
 * `session_recv`: read a session's output from a cursor, optionally waiting for a pattern or for
 * quiet, as stripped text, raw bytes or the rendered screen.
 */
import { z } from "zod";
import { Tier } from "../lib/policy/tier.ts";
import { clampInt, defineTool, type ToolDefinition, type ToolResult } from "../lib/runner/mod.ts";
import type { JobRecord, Spool } from "../lib/jobs/mod.ts";
import {
  compileUntil,
  type LogRead,
  type Session,
  SessionNotFoundError,
  type SessionRegistry,
  stripAnsi,
  waitForOutput,
} from "../lib/sessions/mod.ts";
import type { ToolDeps } from "./deps.ts";

const dec = new TextDecoder();

/** The longest wait one call may ask for: under common client request timeouts. */
export const RECV_MAX_TIMEOUT_S = 55;

/** Builds the `session_recv` tool. */
export function sessionRecv(deps: ToolDeps & { sessions: SessionRegistry }): ToolDefinition {
  const reg = deps.sessions;
  const hard = deps.config.maxOutputHard;
  return defineTool({
    name: "session_recv",
    title: "Read session",
    description:
      "Output after cursor (default: last read), waiting up to timeout s (2) for output, until regex or idle_ms quiet. format: text (ANSI stripped), raw, screen.",
    toolset: "sessions",
    input: z.strictObject({
      session_id: z.string(),
      timeout: z.number().meta({ maximum: RECV_MAX_TIMEOUT_S }).optional(),
      max_bytes: z.number().optional(),
      cursor: z.number().optional(),
      until: z.string().optional(),
      idle_ms: z.number().optional(),
      format: z.enum(["text", "raw", "screen"]).optional(),
    }),
    // Declared: what a client most needs; the rest (cursor_start, dropped_bytes, matched, state,
    // exit_code, waited_ms) is there too.
    output: z.object({ data: z.string().optional(), cursor_end: z.int().optional() }),
    tier: Tier.READ_ONLY,
    readOnly: true,
    auditArgs: (a) => ({ ...a, until: a.until ?? "" }),
    run(a, ctx) {
      let s: Session;
      try {
        s = reg.get(a.session_id);
      } catch (err) {
        // A job whose session was reaped stays readable from its spool until the retention.
        const rec = deps.jobs?.lookup(a.session_id);
        if (!(err instanceof SessionNotFoundError) || !rec?.end || !rec.spool) throw err;
        return Promise.resolve(
          endedJobRead(rec, rec.spool, a, clampInt(a.max_bytes, 65536, 256, hard)),
        );
      }
      const timeoutMs = Math.round(
        Math.min(RECV_MAX_TIMEOUT_S, Math.max(0, a.timeout ?? 2)) * 1000,
      );
      const maxBytes = clampInt(a.max_bytes, 65536, 256, hard);
      const format = a.format ?? "text";
      const until = a.until ? compileUntil(a.until) : undefined;
      const idleMs = a.idle_ms === undefined ? undefined : clampInt(a.idle_ms, 0, 0, timeoutMs);
      if (a.cursor !== undefined && (!Number.isInteger(a.cursor) || a.cursor < 0)) {
        throw new RangeError("cursor: must be an integer >= 0 (a cursor_end from an earlier read)");
      }
      const cursor = Math.min(a.cursor ?? s.readCursor, s.log.produced);
      const job = s.kind === "job" ? deps.jobs?.lookup(s.id) ?? null : null;
      return s.reading(async () => {
        const t0 = performance.now();
        const ticker = ctx.wantsProgress && timeoutMs > 1000
          ? setInterval(() => {
            const t = (performance.now() - t0) / 1000;
            ctx.progress(t, timeoutMs / 1000, `${s.log.produced - cursor} bytes after the cursor`);
          }, 1000)
          : undefined;
        const w = await waitForOutput(s.log, cursor, {
          until,
          idleMs,
          timeoutMs,
          signal: ctx.signal,
          settleMs: 30,
        }).finally(() => clearInterval(ticker));
        const notes: string[] = [];
        let data: string;
        let start: number;
        let end: number;
        let dropped: number;
        if (format === "screen") {
          const view = await s.screen().render();
          start = Math.max(cursor, s.log.oldest);
          end = s.log.produced;
          dropped = start - cursor;
          data = view.text;
          if (view.missingBytes) {
            notes.push(
              `[screen rebuilt from the buffer: ${view.missingBytes} earlier bytes were gone, parts may be missing]`,
            );
          }
        } else {
          let r: LogRead = s.log.read(cursor, maxBytes, { holdEscape: format === "text" });
          if (r.droppedBytes > 0 && job?.spool && !job.spool.deleted) {
            // Older than the ring buffer: the job's spool still has it.
            const sr = job.spool.read(cursor, maxBytes, {
              end: s.log.produced,
              ended: s.log.ended,
            });
            if (sr.cursorStart < r.cursorStart) r = sr;
          }
          const raw = dec.decode(r.bytes);
          data = format === "text" ? stripAnsi(raw) : raw;
          start = r.cursorStart;
          end = r.cursorEnd;
          dropped = r.droppedBytes;
          if (end < s.log.produced) notes.push(`[more output after cursor ${end}]`);
        }
        s.readCursor = end;
        if (job) job.readCursor = end;
        if (s.state === "exited" && end >= s.log.produced) {
          notes.push(`[session exited: ${s.exitCode ?? s.exitSignal}]`);
        } else if (!data && w.reason !== "matched") {
          notes.push(`[no new output in ${(w.waitedMs / 1000).toFixed(1)}s]`);
        }
        const head = dropped ? [`[dropped ${dropped} bytes before this output]`] : [];
        const structured = {
          data,
          cursor_start: start,
          cursor_end: end,
          dropped_bytes: dropped,
          matched: w.reason === "matched",
          state: s.state,
          exit_code: s.exitCode,
          waited_ms: w.waitedMs,
        };
        return { structured, text: [...head, data, ...notes].filter((p) => p !== "").join("\n") };
      });
    },
  }) as ToolDefinition;
}

/** A read of an ended job from its spool alone (its session was reaped). */
function endedJobRead(
  rec: JobRecord,
  spool: Spool,
  a: { cursor?: number; format?: string },
  maxBytes: number,
): ToolResult<Record<string, unknown>> {
  if (a.cursor !== undefined && (!Number.isInteger(a.cursor) || a.cursor < 0)) {
    throw new RangeError("cursor: must be an integer >= 0 (a cursor_end from an earlier read)");
  }
  const cursor = Math.min(a.cursor ?? rec.readCursor, spool.produced);
  const r = spool.read(cursor, maxBytes, { ended: true });
  const raw = dec.decode(r.bytes);
  const data = a.format === "raw" ? raw : stripAnsi(raw);
  rec.readCursor = r.cursorEnd;
  const end = rec.end!;
  const notes: string[] = [];
  if (r.cursorEnd < spool.produced) notes.push(`[more output after cursor ${r.cursorEnd}]`);
  else notes.push(`[session exited: ${end.exitCode ?? end.signal}]`);
  const head = r.droppedBytes ? [`[dropped ${r.droppedBytes} bytes before this output]`] : [];
  return {
    structured: {
      data,
      cursor_start: r.cursorStart,
      cursor_end: r.cursorEnd,
      dropped_bytes: r.droppedBytes,
      matched: false,
      state: "exited",
      exit_code: end.exitCode,
      waited_ms: 0,
    },
    text: [...head, data, ...notes].filter((p) => p !== "").join("\n"),
  };
}
