/**
 * Runs one command over SSH and returns the same {@linkcode ExecResult} a local command gives:
 * output through bounded head+tail collectors that hash every byte (merged = both channel
 * streams into one collector in arrival order), cwd and env through the stdin reader of
 * {@linkcode wrapRemoteCommand}, and a timeout or cancellation that signals the remote process
 * (TERM, then KILL after a grace), closes the channel and keeps the partial output. A connection
 * that drops mid-command fails at once with {@linkcode SshConnectionLostError} carrying what
 * arrived.
 */
import { Buffer } from "node:buffer";
import { BoundedCollector } from "../exec/collector.ts";
import type { ExecResult, StreamOutput } from "../exec/run_command.ts";
import { cliExec } from "./cli_device.ts";
import { channelClosed, channelExit, type SshConnection } from "./connection.ts";
import type { SshPool } from "./pool.ts";
import type { ResolvedTarget } from "./hosts/target.ts";
import { ptyCommandLine, wrapRemoteCommand } from "./remote_command.ts";
import { SshConnectError } from "./ssh_errors.ts";
import { signalChannel, type Ssh2Channel, type Ssh2PtyOptions } from "./_ssh2.ts";

/** Options for {@linkcode execOnConnection}. */
export interface RemoteExecOptions {
  /** The command, run by the remote login shell. */
  command: string;
  /** Remote working directory. */
  cwd?: string;
  /** Variables for the command (`null` unsets); delivered through stdin, not AcceptEnv. */
  env?: Readonly<Record<string, string | null>>;
  /** Bytes or text for the command's stdin (then EOF). */
  stdin?: string | Uint8Array;
  /** Run on a pty (stdout and stderr arrive merged; env is refused). */
  pty?: Ssh2PtyOptions;
  /** Wall-clock limit in milliseconds. */
  timeoutMs: number;
  /** Bytes kept and shown per stream (head + tail); counts and hashes cover everything. */
  maxOutput: number;
  /** One stream in arrival order (default true), or stdout and stderr apart. */
  mergeStderr?: boolean;
  /** Client cancellation / shutdown. */
  signal?: AbortSignal;
  /** Time between TERM and KILL (default 1000 ms). */
  killGraceMs?: number;
  /** Sees every output chunk (progress). */
  onOutput?: (chunk: Uint8Array, stream: "stdout" | "stderr") => void;
}

/** Options for {@linkcode sshExec}: {@linkcode RemoteExecOptions} plus the pool. */
export interface SshExecOptions extends RemoteExecOptions {
  /** The pool to take a connection from. */
  pool: SshPool;
}

const enc = new TextEncoder();
/** The first of `promises`, or "wait" after `ms` (the timer is always cleared). */
async function within<T>(promises: Promise<T>[], ms: number): Promise<T | "wait"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      ...promises,
      new Promise<"wait">((r) => (timer = setTimeout(() => r("wait"), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function render(c: BoundedCollector, limit: number): StreamOutput {
  const r = c.render(limit);
  return { text: r.text, bytes: c.totalBytes, sha256: c.digest(), cutBytes: r.cutBytes };
}

async function writeAll(ch: Ssh2Channel, chunks: Uint8Array[]): Promise<void> {
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    if (ch.writableEnded || ch.destroyed) return;
    if (!ch.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          ch.removeListener("drain", done);
          ch.removeListener("close", done);
          resolve();
        };
        ch.on("drain", done);
        ch.on("close", done);
      });
    }
  }
  if (!ch.writableEnded && !ch.destroyed) ch.end();
}

/** Runs a command on an open connection (the caller holds a channel slot). */
export async function execOnConnection(
  conn: SshConnection,
  options: RemoteExecOptions,
): Promise<ExecResult> {
  const started = performance.now();
  const merge = options.mergeStderr ?? true;
  let commandLine: string;
  let prefix: Uint8Array = new Uint8Array(0);
  if (options.pty) {
    if (options.env && Object.keys(options.env).length > 0) {
      throw new TypeError(
        "env: cannot be combined with pty: true (a terminal echoes its input); use pty: false",
      );
    }
    commandLine = ptyCommandLine(options.command, options.cwd);
  } else {
    const w = wrapRemoteCommand({ command: options.command, cwd: options.cwd, env: options.env });
    commandLine = w.commandLine;
    prefix = w.stdinPrefix;
  }
  const out = new BoundedCollector(Math.max(2, options.maxOutput));
  const err = merge ? out : new BoundedCollector(Math.max(2, options.maxOutput));
  const ch = await conn.exec(commandLine, options.pty);
  ch.on("data", (d: Uint8Array) => {
    out.push(d);
    options.onOutput?.(d, "stdout");
  });
  ch.stderr.on("data", (d: Uint8Array) => {
    err.push(d);
    options.onOutput?.(d, "stderr");
  });
  const closed = channelClosed(ch).then(() => "closed" as const);
  const stdin = typeof options.stdin === "string" ? enc.encode(options.stdin) : options.stdin;
  void writeAll(ch, [prefix, stdin ?? new Uint8Array(0)]).catch(() => {});

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((
    r,
  ) => (timer = setTimeout(() => r("timeout"), options.timeoutMs)));
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<"abort">((r) => {
    onAbort = () => r("abort");
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener("abort", onAbort, { once: true });
  });
  const lost = conn.closed.then(() => "lost" as const);
  const first = await Promise.race([closed, timedOut, aborted, lost]);
  clearTimeout(timer);
  if (onAbort) options.signal?.removeEventListener("abort", onAbort);

  const notes: string[] = [];
  const exit = () => channelExit(ch) ?? { code: null, signal: null };
  if (first === "timeout" || first === "abort") {
    const grace = options.killGraceMs ?? 1000;
    let how = signalChannel(ch, "TERM") ? "TERM" : "";
    if (await within([closed, lost], grace) === "wait") {
      if (signalChannel(ch, "KILL")) how = "KILL";
      if (await within([closed, lost], 250) === "wait") {
        ch.close();
        if (await within([closed, lost], 1000) === "wait") {
          notes.push("the channel did not close after TERM, KILL and close; it was abandoned");
        }
      }
    }
    if (how) notes.push(`remote process sent ${how} and the channel closed`);
  } else if (first === "lost" || (!conn.alive && channelExit(ch) === null)) {
    const e = conn.lostError();
    e.partialOutput = out.render(Math.max(2, options.maxOutput)).text;
    e.partialBytes = out.totalBytes;
    throw e;
  } else if (channelExit(ch) === null) {
    notes.push("the channel closed without an exit status");
  }
  const stdout = render(out, options.maxOutput);
  const stderr = merge ? null : render(err, options.maxOutput);
  return {
    exitCode: first === "closed" ? exit().code : null,
    signal: exit().signal,
    timedOut: first === "timeout",
    cancelled: first === "abort",
    truncated: stdout.cutBytes > 0 || (stderr?.cutBytes ?? 0) > 0,
    durationMs: Math.round(performance.now() - started),
    stdout,
    stderr,
    pid: 0,
    notes,
  };
}

/**
 * Takes a channel slot on a pooled connection to `target` (connecting when needed, within the
 * smaller of the target's ConnectTimeout and the call's timeout), runs the command, and frees
 * the slot. The timeout covers waiting for a connection and a slot too.
 */
export async function sshExec(
  target: ResolvedTarget,
  options: SshExecOptions,
): Promise<ExecResult> {
  const started = performance.now();
  const limiter = new AbortController();
  const limit = limiter.signal;
  const timer = setTimeout(
    () => limiter.abort(new DOMException("timed out", "TimeoutError")),
    options.timeoutMs,
  );
  const signal = options.signal ? AbortSignal.any([options.signal, limit]) : limit;
  let lease;
  try {
    lease = await options.pool.acquire(target, {
      signal,
      timeoutMs: Math.min(target.connectTimeout * 1000, options.timeoutMs),
    });
  } catch (err) {
    if (limit.aborted && !options.signal?.aborted) {
      throw new SshConnectError(
        `${target.user}@${target.hostname}:${target.port}`,
        "wait",
        `Timed out after ${
          Math.round(options.timeoutMs / 1000)
        }s waiting for a connection to ${target.alias}`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
  try {
    const spent = performance.now() - started;
    const r = await execOnConnection(lease.connection, {
      ...options,
      timeoutMs: Math.max(1, options.timeoutMs - spent),
    });
    r.durationMs = Math.round(performance.now() - started);
    return r;
  } finally {
    lease.release();
  }
}

/**
 * Runs `options.command` on `target` the way its inventory entry says: through the CLI of a
 * network device (`shell: cli`; cwd, env and stdin refused) or as a POSIX command.
 */
export async function execOnTarget(
  target: ResolvedTarget,
  options: SshExecOptions,
): Promise<ExecResult> {
  if (target.shell !== "cli") return sshExec(target, options);
  for (const k of ["cwd", "env", "stdin", "pty"] as const) {
    if (options[k] !== undefined) {
      throw new TypeError(`${k}: ${target.alias} is a CLI device (shell: cli); it takes no ${k}`);
    }
  }
  const lease = await options.pool.acquire(target, {
    signal: options.signal,
    timeoutMs: Math.min(target.connectTimeout * 1000, options.timeoutMs),
  });
  try {
    return await cliExec(lease.connection, {
      command: options.command,
      promptRegex: target.promptRegex,
      vendor: target.vendor,
      timeoutMs: options.timeoutMs,
      maxOutput: options.maxOutput,
      signal: options.signal,
    });
  } finally {
    lease.release();
  }
}
