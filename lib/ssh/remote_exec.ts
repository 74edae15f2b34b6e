/**
 * Runs one command over SSH and returns the same {@linkcode ExecResult} a local command gives:
 * output through bounded head+tail collectors that hash every byte (merged = both channel
 * streams into one collector in arrival order), cwd and env through the stdin wrapper of
 * {@linkcode wrapRemoteCommand}, and a timeout or cancellation that signals the remote process
 * (TERM, then KILL after a grace), closes the channel and keeps the partial output. With
 * `trackGroup` (ssh_exec) the wrapper reports the remote process group, and every signal also
 * goes to that whole group through `kill -s SIG -- -<pgid>` on a second channel: sshd signals
 * only its direct child and sends no SIGHUP when a channel without a pty closes, so a tree would
 * otherwise survive (ADR 0018). `sudo` runs the command under `sudo -S` with the password fed on
 * stdin at sudo's prompt (see lib/sudo). A connection that drops mid-command fails at once with
 * {@linkcode SshConnectionLostError} carrying what arrived.
 */
import { Buffer } from "node:buffer";
import { BoundedCollector } from "../exec/collector.ts";
import type { ExecResult, StreamOutput } from "../exec/run_command.ts";
import { classifySudoFailure, SudoError } from "../sudo/errors.ts";
import { sudoCommandLine } from "../sudo/sudo_command.ts";
import { sudoMarkers, sudoMessages, SudoWatcher } from "../sudo/sudo_watch.ts";
import { randomHex } from "../util/mod.ts";
import { encodeEnvBlock } from "../secrets/env_wrapper.ts";
import { cliExec } from "./cli_device.ts";
import { channelClosed, channelExit, type SshConnection } from "./connection.ts";
import type { SshPool } from "./pool.ts";
import type { ResolvedTarget } from "./hosts/target.ts";
import { ptyCommandLine, wrapRemoteCommand } from "./remote_command.ts";
import { StartLineWatcher } from "./remote_start.ts";
import { SshConnectError } from "./ssh_errors.ts";
import { signalChannel, type Ssh2Channel, type Ssh2PtyOptions } from "./_ssh2.ts";

/** The running remote command, as a job sees it. */
export interface RemoteProcess {
  /** Sends `signal` (TERM, KILL, INT, …) to the process and, when known, its whole group. */
  signal(signal: string): boolean;
}

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
  /** Learn the remote process group and signal all of it (needs a POSIX login shell; no pty). */
  trackGroup?: boolean;
  /** Run under `sudo -S`; `password` answers its prompt (null: none configured). No pty. */
  sudo?: { password: string | null };
  /** Called when the wrapper's start line arrives (under sudo: sudo let the command run). */
  onStart?: () => void;
  /** Called once the channel is open, with a handle to signal the process. */
  onProcess?: (process: RemoteProcess) => void;
}

/** Options for {@linkcode sshExec}: {@linkcode RemoteExecOptions} plus the pool. */
export interface SshExecOptions extends RemoteExecOptions {
  /** The pool to take a connection from. */
  pool: SshPool;
  /** Hold a long-lived slot (a background job), so short commands get another connection. */
  longLived?: boolean;
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

async function writeAll(ch: Ssh2Channel, chunks: Uint8Array[], end = true): Promise<void> {
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
  if (end && !ch.writableEnded && !ch.destroyed) ch.end();
}

const SIGNALS = new Set(["TERM", "KILL", "INT", "HUP", "QUIT", "USR1", "USR2", "STOP", "CONT"]);

/**
 * Signals the remote process group `pgid` with `kill` on a second channel of `conn` (not counted
 * against the pool's slots: it lives for milliseconds). Resolves once done, never rejects.
 */
async function killGroup(conn: SshConnection, pgid: number, sig: string): Promise<void> {
  if (!conn.alive) return;
  try {
    const ch = await conn.exec(`kill -s ${sig} -- -${pgid} 2>/dev/null`);
    ch.resume();
    ch.stderr.resume();
    ch.end();
    await within([channelClosed(ch)], 3000);
  } catch { /* the connection went away: nothing to reach */ }
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
  let watcher: StartLineWatcher | null = null;
  const sudo = options.sudo;
  const markers = sudo ? sudoMarkers() : null;
  const sudoWatch = markers ? new SudoWatcher(markers) : null;
  if (options.pty) {
    if (options.env && Object.keys(options.env).length > 0) {
      throw new TypeError(
        "env: cannot be combined with pty: true (a terminal echoes its input); use pty: false",
      );
    }
    if (sudo) throw new TypeError("sudo: cannot be combined with pty: true; use pty: false");
    commandLine = ptyCommandLine(options.command, options.cwd);
  } else if (markers) {
    if (options.command.includes("\0")) throw new TypeError("command: must not contain a NUL byte");
    // sudo resets the environment and may refuse to start in cwd: both go through the block.
    prefix = encodeEnvBlock({ env: options.env, cwd: options.cwd });
    commandLine = sudoCommandLine(options.command, markers);
    watcher = new StartLineWatcher(markers.start, true);
  } else {
    const marker = options.trackGroup ? `RSG_${randomHex(8)}` : undefined;
    const w = wrapRemoteCommand({
      command: options.command,
      cwd: options.cwd,
      env: options.env,
      startMarker: marker,
    });
    commandLine = w.commandLine;
    prefix = w.stdinPrefix;
    if (marker) watcher = new StartLineWatcher(marker);
  }
  const out = new BoundedCollector(Math.max(2, options.maxOutput));
  const err = merge ? out : new BoundedCollector(Math.max(2, options.maxOutput));
  const ch = await conn.exec(commandLine, options.pty);
  const stdin = typeof options.stdin === "string" ? enc.encode(options.stdin) : options.stdin;
  const feedStdin = () => void writeAll(ch, [prefix, stdin ?? new Uint8Array(0)]).catch(() => {});
  const proc: RemoteProcess = {
    signal(sig) {
      const name = sig.replace(/^SIG/, "");
      if (!SIGNALS.has(name)) return false;
      const pgid = watcher?.pgid;
      if (pgid) void killGroup(conn, pgid, name);
      return signalChannel(ch, name) || !!pgid;
    },
  };
  const toErr = (d: Uint8Array) => {
    err.push(d);
    options.onOutput?.(d, "stderr");
  };
  ch.on("data", (d: Uint8Array) => {
    out.push(d);
    options.onOutput?.(d, "stdout");
  });
  ch.stderr.on("data", (d: Uint8Array) => {
    if (!watcher) return toErr(d);
    if (sudoWatch && !watcher.started) {
      const before = sudoWatch.prompts;
      sudoWatch.feed(d);
      for (let i = before; i < sudoWatch.prompts; i++) {
        if (i === 0 && sudo!.password !== null) {
          const line = enc.encode(`${sudo!.password}\n`);
          void writeAll(ch, [line], false).catch(() => {}).finally(() => line.fill(0));
        } else if (!ch.writableEnded) ch.end(); // wrong password or none: sudo gives up at once
      }
    }
    const step = watcher.feed(d);
    if (step.started) {
      if (sudoWatch) feedStdin();
      options.onStart?.();
    }
    for (const p of step.pass) toErr(p);
  });
  const closed = channelClosed(ch).then(() => "closed" as const);
  if (!sudoWatch) feedStdin();
  options.onProcess?.(proc);

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
    const pgid = watcher?.pgid;
    let how = proc.signal("TERM") ? "TERM" : "";
    if (await within([closed, lost], grace) === "wait") {
      if (proc.signal("KILL")) how = "KILL";
      if (await within([closed, lost], 250) === "wait") {
        ch.close();
        if (await within([closed, lost], 1000) === "wait") {
          notes.push("the channel did not close after TERM, KILL and close; it was abandoned");
        }
      }
    }
    // Whatever of the group outlived the channel (it no longer holds the output pipes).
    if (pgid) await killGroup(conn, pgid, "KILL");
    if (how) {
      notes.push(
        `remote ${pgid ? "process group" : "process"} sent ${how} and the channel closed`,
      );
    }
  } else if (first === "lost" || (!conn.alive && channelExit(ch) === null)) {
    const e = conn.lostError();
    e.partialOutput = out.render(Math.max(2, options.maxOutput)).text;
    e.partialBytes = out.totalBytes;
    throw e;
  } else if (channelExit(ch) === null) {
    notes.push("the channel closed without an exit status");
  }
  if (sudoWatch && watcher && !watcher.started && first === "closed") {
    const messages = sudoMessages(watcher.heldText(), markers!);
    throw new SudoError(classifySudoFailure(messages, sudoWatch.prompts), messages);
  }
  for (const p of watcher?.flush() ?? []) toErr(p);
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
      longLived: options.longLived,
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
  for (const k of ["cwd", "env", "stdin", "pty", "sudo"] as const) {
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
