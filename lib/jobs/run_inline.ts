/**
 * Runs a local command inline for a window, then hands it over to a job if it is still running.
 *
 * The command runs through `runCommand` exactly as a plain foreground command does (its own
 * process group, bounded collectors hashing every byte, timeout over its whole life). While the
 * window is open, its output is also kept in a small in-memory {@linkcode OutputCapture}; nothing
 * touches the disk. A command that ends inside the window returns its ExecResult unchanged. When
 * the window closes first, in one synchronous step the capture becomes the job's prelude and the
 * output callback switches to the job's stream, so no byte is lost or sent twice; the client's
 * cancellation is detached (only session_kill, the timeout or shutdown end a job), and the
 * runCommand result, when it arrives, gives the job_end record its byte count and SHA-256 over
 * every byte. `background` hands over at once. {@linkcode runInlineWith} is the same for any
 * transport that yields an ExecResult (ssh_exec: a remote command on an SSH channel).
 */
import {
  type CollectedText,
  type CommandSpec,
  type ExecResult,
  runCommand,
  type RunCommandOptions,
  signalGroup,
  spawnDeno,
  type Spawner,
} from "../exec/mod.ts";
import type { Session } from "../sessions/mod.ts";
import { OutputCapture } from "./capture.ts";
import type { JobInfo, JobManager } from "./job_manager.ts";
import type { JobSource, JobSourceExit } from "./job_source.ts";

/** What a waiting call reports about once a second. */
export interface InlineProgress {
  /** Milliseconds since the command started. */
  elapsedMs: number;
  /** Output bytes so far. */
  bytes: number;
  /** The last non-empty output line (ANSI stripped, shortened). */
  lastLine: string;
}

/** The window, job and progress options of {@linkcode runInlineWith}. */
export interface InlineOptions {
  /** Wall-clock limit of the command (a window as long never hands over). */
  timeoutMs: number;
  /** Bytes of output shown when it becomes a job. */
  maxOutput: number;
  /** The call's cancellation: stops a foreground command, detached once it is a job. */
  signal?: AbortSignal;
  /** Sees every output chunk. */
  onOutput?: (chunk: Uint8Array, stream: "stdout" | "stderr") => void;
  /** How long the call waits before a still-running command becomes a job. */
  windowMs: number;
  /** Hand over at once (after `gate`), whatever the window. */
  background?: boolean;
  /** Where a command still running at the window goes; null: never a job. */
  jobs: JobManager | null;
  /** The call's facts for the job_end record (a function: computed only if a job is made). */
  job: JobInfo | (() => JobInfo);
  /** The job's title in listings (the command). */
  title: string;
  /** Called about once a second while the call waits (progress notifications). */
  onProgress?: (progress: InlineProgress) => void;
  /** Milliseconds between progress calls (default 1000). */
  progressIntervalMs?: number;
  /** Resolves true once the command may become a job (sudo authenticated), false if it failed. */
  gate?: Promise<boolean>;
  /** Bytes of the output's start kept in memory while waiting (default 1 MiB). */
  captureHeadBytes?: number;
  /** Bytes of the output's end kept in memory while waiting (default 1 MiB). */
  captureTailBytes?: number;
}

/** Options for {@linkcode runInline}. */
export interface RunInlineOptions extends RunCommandOptions, InlineOptions {
  /** Wall-clock limit of the command. */
  timeoutMs: number;
  /** The call's cancellation. */
  signal?: AbortSignal;
  /** Sees every output chunk. */
  onOutput?: (chunk: Uint8Array, stream: "stdout" | "stderr") => void;
}

/** What the transport gives {@linkcode runInlineWith} when asked to start the command. */
export interface InlineRun {
  /** The command's result (rejects only for transport failures). */
  running: Promise<ExecResult>;
  /** The local process group id, if local (read at hand-over). */
  pid?: () => number;
  /** Signals the command and everything it started. */
  signal(signal: Deno.Signal): boolean;
}

/** Starts the command with this cancellation and output sink. */
export type InlineStart = (hooks: {
  signal: AbortSignal;
  onOutput: (chunk: Uint8Array, stream: "stdout" | "stderr") => void;
}) => InlineRun;

/** The outcome: finished inside the window, or running as a job. */
export type InlineResult =
  | { state: "done"; result: ExecResult }
  | {
    state: "running";
    /** The job's session (its read cursor is past the output returned here). */
    session: Session;
    /** The output so far, within `maxOutput`. */
    soFar: CollectedText;
    /** Output bytes so far. */
    bytes: number;
    /** Milliseconds since the command started. */
    elapsedMs: number;
  };

const MIB = 1024 * 1024;

function windowRace(p: Promise<unknown>, ms: number): Promise<"done" | "window"> {
  let id: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<"window">((r) => (id = setTimeout(() => r("window"), ms)));
  const done = p.then(() => "done" as const, () => "done" as const);
  return Promise.race([done, t]).finally(() => clearTimeout(id));
}

function exitOf(r: ExecResult): JobSourceExit {
  const extra: Record<string, unknown> = {};
  if (r.stderr) {
    extra.stderr_bytes = r.stderr.bytes;
    extra.stderr_sha256 = r.stderr.sha256;
  }
  if (r.notes.length) extra.notes = r.notes;
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    timedOut: r.timedOut,
    outputBytes: r.stdout.bytes,
    outputSha256: r.stdout.sha256,
    extra,
  };
}

/** Runs `spec` inline for `windowMs`, then as a job; see the module comment. */
export function runInline(spec: CommandSpec, options: RunInlineOptions): Promise<InlineResult> {
  const canHandOver = options.jobs !== null &&
    (options.background === true || options.windowMs < options.timeoutMs);
  if (!canHandOver && !options.onProgress) {
    return runCommand(spec, options).then((result) => ({ state: "done", result }));
  }
  return runInlineWith((hooks) => {
    let pid = 0;
    const base: Spawner = options.spawner ?? spawnDeno;
    const spawner: Spawner = (argv, o) => {
      const p = base(argv, o);
      pid = p.pid;
      return p;
    };
    const running = runCommand(spec, { ...options, ...hooks, spawner });
    return { running, pid: () => pid, signal: (sig) => signalGroup(pid, sig) };
  }, options);
}

/** {@linkcode runInline} for any transport: `start` runs the command; see the module comment. */
export async function runInlineWith(
  start: InlineStart,
  options: InlineOptions,
): Promise<InlineResult> {
  const canHandOver = options.jobs !== null &&
    (options.background === true || options.windowMs < options.timeoutMs);
  const fg = options.signal;
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(fg?.reason);
  if (fg?.aborted) ctl.abort(fg.reason);
  else fg?.addEventListener("abort", onAbort, { once: true });
  const capture = new OutputCapture(
    options.captureHeadBytes ?? MIB,
    options.captureTailBytes ?? MIB,
  );
  let sink = (c: Uint8Array) => capture.push(c);
  const started = performance.now();
  const userOutput = options.onOutput;
  const run = start({
    signal: ctl.signal,
    onOutput: (chunk, stream) => {
      sink(chunk);
      userOutput?.(chunk, stream);
    },
  });
  const running = run.running;
  let ticker: ReturnType<typeof setInterval> | undefined;
  if (options.onProgress) {
    const report = options.onProgress;
    ticker = setInterval(() =>
      report({
        elapsedMs: Math.round(performance.now() - started),
        bytes: capture.total,
        lastLine: capture.lastLine(),
      }), options.progressIntervalMs ?? 1000);
  }
  const foreground = async (note?: string): Promise<InlineResult> => {
    const result = await running;
    if (note) result.notes.push(note);
    return { state: "done", result };
  };
  try {
    if (!canHandOver) return await foreground();
    if (options.gate) {
      const ok = await Promise.race([options.gate, running.then(() => false, () => false)]);
      if (!ok) return await foreground();
    }
    if (!options.background) {
      const left = Math.max(0, options.windowMs - (performance.now() - started));
      if (await windowRace(running, left) === "done") return await foreground();
    }
    if (ctl.signal.aborted) return await foreground();
    const jobs = options.jobs!;
    if (!jobs.hasRoom()) {
      return await foreground(
        "still running when the inline window closed, but the session limit was reached, so it ran in the foreground to the end",
      );
    }
    // Hand over, in one synchronous step: no chunk can arrive in between.
    fg?.removeEventListener("abort", onAbort);
    const prelude = capture.prelude();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const out = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    sink = (c) => {
      try {
        controller.enqueue(c.slice());
      } catch { /* the job stopped reading */ }
    };
    const exited = running.then(exitOf, (): JobSourceExit => ({ exitCode: null, signal: null }))
      .finally(() => {
        try {
          controller.close();
        } catch { /* already closed */ }
      });
    const source: JobSource = {
      title: options.title,
      pid: run.pid?.(),
      startedAt: started,
      prelude,
      outputs: [out],
      exited,
      countsOutput: true,
      signal: (sig) => run.signal(sig),
      close: async () => {
        ctl.abort(new Error("job closed"));
        await running.catch(() => {});
      },
    };
    let session: Session;
    try {
      session = jobs.adopt(source, options.job);
    } catch (err) {
      sink = (c) => capture.push(c);
      if (fg?.aborted) ctl.abort(fg.reason);
      else fg?.addEventListener("abort", onAbort, { once: true });
      return await foreground(`could not become a job: ${(err as Error)?.message ?? err}`);
    }
    session.readCursor = capture.total;
    const rec = jobs.lookup(session.id);
    if (rec) rec.readCursor = capture.total;
    return {
      state: "running",
      session,
      soFar: capture.render(options.maxOutput),
      bytes: capture.total,
      elapsedMs: Math.round(performance.now() - started),
    };
  } finally {
    clearInterval(ticker);
    fg?.removeEventListener("abort", onAbort);
  }
}
