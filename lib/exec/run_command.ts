/**
 * Runs one local command to completion: its own session and process group, stdin from
 * /dev/null unless given, output streamed through bounded head+tail collectors that hash every
 * byte, and a timeout or cancel that sends TERM to the whole group, then KILL after a grace,
 * keeping the partial output. Process outcomes are data, not exceptions.
 */
import { BoundedCollector } from "./collector.ts";
import { groupAlive, type ProcessGroups, signalGroup } from "./process_groups.ts";
import { spawnDeno, type Spawner } from "./spawner.ts";

/** What to run: shell text for `/bin/sh -c`, or an argv run directly. */
export type CommandSpec = { shell: string; shellPath?: string } | { argv: string[] };

/** Options for {@linkcode runCommand}. */
export interface RunCommandOptions {
  /** Child environment, complete (see `buildChildEnv`). */
  env: Record<string, string>;
  /** Working directory (must exist); default: the server's. */
  cwd?: string;
  /** Bytes or text written to the child's stdin, which is then closed; default /dev/null. */
  stdin?: string | Uint8Array;
  /** Wall-clock limit in milliseconds. */
  timeoutMs: number;
  /** Bytes of output kept and shown (head + tail); counts and hash always cover everything. */
  maxOutput: number;
  /** One stream in arrival order (default true), or stdout and stderr apart. */
  mergeStderr?: boolean;
  /** Aborts the run (client cancellation, server shutdown). */
  signal?: AbortSignal;
  /** Time between TERM and KILL (default 2000 ms). */
  killGraceMs?: number;
  /** How long to wait for end-of-output after the command exits (default 500 ms). */
  drainMs?: number;
  /** Registry that tracks the group so shutdown can kill it. */
  groups?: ProcessGroups;
  /** Process creation seam (default: Deno.Command). */
  spawner?: Spawner;
  /** Sees every output chunk as it arrives (progress); the bytes are only valid during the call. */
  onOutput?: (chunk: Uint8Array, stream: "stdout" | "stderr") => void;
}

/** One stream's rendered output and its accounting. */
export interface StreamOutput {
  /** Decoded text, head and tail around a cut marker when longer than the budget. */
  text: string;
  /** Every byte the stream produced. */
  bytes: number;
  /** Hex SHA-256 of every byte produced. */
  sha256: string;
  /** Bytes produced but not shown. */
  cutBytes: number;
}

/** The outcome of a command. */
export interface ExecResult {
  /** Exit status, or null when killed by a signal. */
  exitCode: number | null;
  /** Terminating signal name (e.g. `SIGTERM`), or null. */
  signal: string | null;
  /** The timeout fired. */
  timedOut: boolean;
  /** The run was aborted through `signal`. */
  cancelled: boolean;
  /** Some output was not shown. */
  truncated: boolean;
  /** Wall time from spawn to the end of output. */
  durationMs: number;
  /** The merged stream (mergeStderr) or stdout. */
  stdout: StreamOutput;
  /** stderr when not merged (null when merged). */
  stderr: StreamOutput | null;
  /** The process id of the group leader. */
  pid: number;
  /** Notes on what the runner did (e.g. killed leftover background processes). */
  notes: string[];
}

const encoder = new TextEncoder();
const MERGE_WRAPPER = 'exec 2>&1; exec "$0" "$@"';

/** Resolves a program name through PATH the way execvp does; null if not found. */
export function resolveProgram(name: string, path: string | undefined): string | null {
  const isExec = (p: string) => {
    try {
      const st = Deno.statSync(p);
      return st.isFile && st.mode !== null && (st.mode & 0o111) !== 0;
    } catch {
      return false;
    }
  };
  if (name.includes("/")) return isExec(name) ? name : null;
  for (const dir of (path ?? "/usr/bin:/bin").split(":")) {
    const p = `${dir || "."}/${name}`;
    if (isExec(p)) return p;
  }
  return null;
}

/** Checks `cwd` is an existing directory; throws a TypeError naming the argument otherwise. */
export function checkCwd(cwd: string, argument = "cwd"): void {
  let st: Deno.FileInfo;
  try {
    st = Deno.statSync(cwd);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new TypeError(`${argument}: no such directory: ${cwd}`);
    }
    throw new TypeError(`${argument}: cannot use ${cwd}: ${(err as Error).message}`);
  }
  if (!st.isDirectory) throw new TypeError(`${argument}: not a directory: ${cwd}`);
}

function argvFor(spec: CommandSpec, merge: boolean, env: Record<string, string>): string[] {
  if ("shell" in spec) {
    if (spec.shell.trim() === "") throw new TypeError("command: is empty; give a command to run");
    const sh = spec.shellPath ?? "/bin/sh";
    // Merging in the same shell (no extra exec): on the first line, so line numbers stay true. If
    // the text does not parse, nothing runs and the shell's message arrives on the stderr pipe,
    // which is collected into the same stream.
    return merge ? [sh, "-c", `exec 2>&1; ${spec.shell}`] : [sh, "-c", spec.shell];
  }
  if (spec.argv.length === 0) throw new TypeError("command: is empty; give a program to run");
  const program = resolveProgram(spec.argv[0], env.PATH);
  if (!program) {
    throw new TypeError(
      `command: program ${
        JSON.stringify(spec.argv[0])
      } not found in PATH (use use_shell: true for shell syntax)`,
    );
  }
  const argv = [program, ...spec.argv.slice(1)];
  return merge ? ["/bin/sh", "-c", MERGE_WRAPPER, ...argv] : argv;
}

const READ_CHUNK = 64 * 1024;
const POOL_MAX = 16;
const bufferPool: Uint8Array[] = [];

/** A 64 KiB read buffer from a small free list: steady-state calls allocate none. */
function takeBuffer(): Uint8Array {
  return bufferPool.pop() ?? new Uint8Array(READ_CHUNK);
}

function giveBuffer(buf: Uint8Array): void {
  if (
    bufferPool.length < POOL_MAX && buf.byteLength === READ_CHUNK &&
    !(buf.buffer as ArrayBuffer).detached
  ) {
    bufferPool.push(new Uint8Array(buf.buffer as ArrayBuffer, 0, READ_CHUNK));
  }
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  sink: BoundedCollector,
  onChunk: ((c: Uint8Array) => void) | undefined,
  cancelOn: Promise<void>,
): Promise<void> {
  // A BYOB reader reuses one buffer, so streaming gigabytes creates no garbage and the peak
  // memory stays flat; streams that are not byte streams (test fakes) fall back to chunks.
  let byob: ReadableStreamBYOBReader | null = null;
  let reader: ReadableStreamDefaultReader<Uint8Array> | ReadableStreamBYOBReader;
  try {
    byob = stream.getReader({ mode: "byob" });
    reader = byob;
  } catch {
    reader = stream.getReader();
  }
  let stop = false;
  cancelOn.then(() => {
    stop = true;
    reader.cancel().catch(() => {});
  });
  // BYOB reads transfer the buffer, so the one handed back with each result is the live one.
  let buf = byob ? takeBuffer() : new Uint8Array(0);
  try {
    while (!stop) {
      const { value, done } = byob
        ? await byob.read(buf)
        : await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      // The read transferred `buf`; the live buffer comes back inside `value` (also at the end).
      if (byob && value) buf = new Uint8Array(value.buffer as ArrayBuffer, 0, READ_CHUNK);
      if (done || !value) break;
      sink.push(value);
      onChunk?.(value); // valid only during the call: the buffer is reused
    }
  } catch {
    // cancelled or the pipe broke: what was read is kept
  } finally {
    reader.releaseLock();
    if (byob) giveBuffer(buf);
  }
}

async function feedStdin(stream: WritableStream<Uint8Array>, data: Uint8Array): Promise<void> {
  const w = stream.getWriter();
  try {
    // Write in slices so a child that stops reading cannot pin a huge buffer.
    for (let off = 0; off < data.length; off += 65536) {
      await w.write(data.subarray(off, off + 65536));
    }
    await w.close();
  } catch {
    // EPIPE: the child exited or closed stdin without reading everything; not an error for us.
    try {
      await w.abort();
    } catch { /* already closed */ }
  } finally {
    w.releaseLock();
  }
}

function race<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let id: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<"timeout">((r) => (id = setTimeout(() => r("timeout"), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(id));
}

/** Runs `spec` to completion; see the module comment. Throws only for bad arguments. */
export async function runCommand(
  spec: CommandSpec,
  options: RunCommandOptions,
): Promise<ExecResult> {
  const merge = options.mergeStderr ?? true;
  const grace = options.killGraceMs ?? 2000;
  const drain = options.drainMs ?? 500;
  if (options.cwd) checkCwd(options.cwd);
  const argv = argvFor(spec, merge, options.env);
  const spawner = options.spawner ?? spawnDeno;
  const stdinBytes = options.stdin === undefined
    ? undefined
    : typeof options.stdin === "string"
    ? encoder.encode(options.stdin)
    : options.stdin;

  const out = new BoundedCollector(Math.max(2, options.maxOutput));
  const err = merge ? null : new BoundedCollector(Math.max(2, options.maxOutput));
  const notes: string[] = [];
  const started = performance.now();
  const child = spawner(argv, {
    cwd: options.cwd,
    env: options.env,
    stdin: stdinBytes === undefined ? "null" : "piped",
  });
  const pid = child.pid;
  options.groups?.add(pid);

  let stopReading!: () => void;
  const stopRead = new Promise<void>((r) => (stopReading = r));
  const readers = Promise.all([
    pump(child.stdout, out, options.onOutput && ((c) => options.onOutput!(c, "stdout")), stopRead),
    pump(
      child.stderr,
      err ?? out,
      options.onOutput && ((c) => options.onOutput!(c, "stderr")),
      stopRead,
    ),
  ]);
  const feeding = stdinBytes && child.stdin
    ? feedStdin(child.stdin, stdinBytes)
    : Promise.resolve();

  let timedOut = false;
  let cancelled = false;
  let terminating: Promise<void> | null = null;
  const terminate = (): Promise<void> => {
    if (terminating) return terminating;
    terminating = (async () => {
      signalGroup(pid, "SIGTERM");
      // Give the group the grace period to exit and close its output, then KILL what is left.
      const ended = await race(Promise.all([child.status, readers]), grace);
      if (ended === "timeout") signalGroup(pid, "SIGKILL");
      // End-of-output can precede the kernel finishing a member's exit; confirm the group is gone.
      const until = Date.now() + grace + 1000;
      while (Date.now() < until && groupAlive(pid)) {
        await new Promise((r) => setTimeout(r, 10));
        if (Date.now() > until - 1000) signalGroup(pid, "SIGKILL");
      }
    })();
    return terminating;
  };

  const timer = setTimeout(() => {
    timedOut = true;
    terminate();
  }, Math.max(1, options.timeoutMs));
  const onAbort = () => {
    cancelled = true;
    terminate();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    clearTimeout(timer);
  }

  // The leader exited. Output may still be in flight; background members may hold the pipe.
  let drained = await race(readers, terminating ? grace + 500 : drain);
  if (drained === "timeout" && !terminating && !timedOut && !cancelled) {
    notes.push(
      "background processes still holding the output were terminated (use a session or background job for long-running work)",
    );
    await terminate();
    drained = await race(readers, 500);
  } else if (drained === "timeout" && terminating) {
    await terminating;
    drained = await race(readers, 500);
  }
  if (drained === "timeout") {
    // Something outside the group (setsid) still holds the pipe: stop reading, keep what we have.
    notes.push("output pipe still held by a process outside the group; reading stopped");
    stopReading();
    await readers;
  }
  stopReading();
  options.signal?.removeEventListener("abort", onAbort);
  await race(feeding, 100);
  if (terminating) await terminating;
  const durationMs = Math.round(performance.now() - started);

  const render = (c: BoundedCollector, limit: number): StreamOutput => {
    const r = c.render(limit);
    return { text: r.text, bytes: c.totalBytes, sha256: c.digest(), cutBytes: r.cutBytes };
  };
  let stdout: StreamOutput;
  let stderr: StreamOutput | null = null;
  if (!err) {
    stdout = render(out, options.maxOutput);
  } else {
    // Share one budget: the smaller stream gets what it needs up to half, the other the rest.
    const budget = options.maxOutput;
    const [a, b] = [out.totalBytes, err.totalBytes];
    let outLimit = budget;
    let errLimit = budget;
    if (a + b > budget) {
      if (a <= b) {
        outLimit = Math.min(a, Math.floor(budget / 2));
        errLimit = budget - outLimit;
      } else {
        errLimit = Math.min(b, Math.floor(budget / 2));
        outLimit = budget - errLimit;
      }
    }
    stdout = render(out, outLimit);
    stderr = render(err, errLimit);
  }
  return {
    exitCode: status.signal ? null : status.code,
    signal: status.signal ?? null,
    timedOut,
    cancelled,
    truncated: stdout.cutBytes > 0 || (stderr?.cutBytes ?? 0) > 0,
    durationMs,
    stdout,
    stderr,
    pid,
    notes,
  };
}
