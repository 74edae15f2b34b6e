/**
 * A remote PTY as a session backend ("ssh" kind): a login shell, or a command, on a pty channel
 * of a pooled connection. Input goes to the channel, resize is a window-change request, signals
 * are SSH signal requests, and closing sends HUP and TERM, waits the grace, then closes the
 * channel. The connection stays pinned (never idle- or LRU-evicted) while the session is open.
 */
import { Buffer } from "node:buffer";
import type { BackendExit, SessionBackend } from "../sessions/backend.ts";
import type { ResolvedTarget } from "./hosts/target.ts";
import { channelClosed, channelExit } from "./connection.ts";
import type { Lease, SshPool } from "./pool.ts";
import { ptyCommandLine } from "./remote_command.ts";
import { signalChannel, type Ssh2Channel } from "./_ssh2.ts";

/** Options for {@linkcode spawnSshSession}. */
export interface SshSessionOptions {
  /** The pool to take a connection from. */
  pool: SshPool;
  /** The host. */
  target: ResolvedTarget;
  /** A command instead of the login shell. */
  command?: string;
  /** Remote working directory (put on the command line: a terminal would echo stdin). */
  cwd?: string;
  /** TERM. */
  term: string;
  /** Columns. */
  cols: number;
  /** Rows. */
  rows: number;
  /** Gives up connecting. */
  signal?: AbortSignal;
  /** Connect deadline (default: the target's ConnectTimeout). */
  timeoutMs?: number;
}

/** See the module comment. */
export class SshPtyBackend implements SessionBackend {
  /** Always `ssh`. */
  readonly kind = "ssh" as const;
  /** Always true. */
  readonly interactive = true;
  /** `ssh <alias>[: command]`. */
  readonly title: string;
  /** The host alias. */
  readonly host?: string;
  /** Terminal output. */
  readonly output: ReadableStream<Uint8Array>;
  /** The remote program's exit. */
  readonly exited: Promise<BackendExit>;
  #ch: Ssh2Channel;
  #lease: Lease;
  #closed = false;
  #closedP: Promise<void>;

  /** Wraps an open pty channel; the lease is released when the channel closes. */
  constructor(channel: Ssh2Channel, lease: Lease, title: string, host?: string) {
    this.#ch = channel;
    this.host = host;
    this.#lease = lease;
    this.title = title;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    this.output = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
    });
    const push = (d: Uint8Array) => {
      if (!this.#closed) controller.enqueue(new Uint8Array(d));
    };
    channel.on("data", push);
    channel.stderr.on("data", push);
    this.#closedP = new Promise((resolve) => {
      const done = () => {
        if (this.#closed) return;
        this.#closed = true;
        try {
          controller.close();
        } catch { /* already closed */ }
        lease.release();
        resolve();
      };
      channelClosed(channel).then(done);
      lease.connection.closed.then(done);
    });
    this.exited = this.#closedP.then(() => {
      const exit = channelExit(channel);
      return { exitCode: exit?.code ?? null, signal: exit?.signal ?? null };
    });
  }

  /** Sends input; rejects once the channel closed. */
  write(data: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (this.#closed || this.#ch.writableEnded) {
      return Promise.reject(new Error("the remote session has ended"));
    }
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      this.#ch.write(Buffer.from(data), (err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  /** Sends a window-change request. */
  resize(cols: number, rows: number): void {
    if (!this.#closed) this.#ch.setWindow(rows, cols, 0, 0);
  }

  /** Sends an SSH signal request (the server delivers it to the remote program). */
  signal(signal: Deno.Signal): boolean {
    if (this.#closed) return false;
    return signalChannel(this.#ch, signal);
  }

  /** HUP and TERM, up to `graceMs` for the program to end, then the channel is closed. */
  async close(graceMs: number): Promise<void> {
    if (this.#closed) return;
    signalChannel(this.#ch, "HUP");
    signalChannel(this.#ch, "TERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const wait = (ms: number) =>
      Promise.race([this.#closedP, new Promise<void>((r) => (timer = setTimeout(r, ms)))])
        .finally(() => clearTimeout(timer));
    await wait(graceMs);
    if (!this.#closed) {
      signalChannel(this.#ch, "KILL");
      this.#ch.close();
      await wait(1000);
    }
    if (!this.#closed) {
      // The server never confirmed: free what we hold anyway.
      this.#closed = true;
      this.#lease.release();
    }
  }
}

/** Opens a pty session on `target` (a pinned pooled connection) as a session backend. */
export async function spawnSshSession(options: SshSessionOptions): Promise<SshPtyBackend> {
  const { target, pool } = options;
  const lease = await pool.acquire(target, {
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    longLived: true,
  });
  try {
    const pty = { term: options.term, cols: options.cols, rows: options.rows };
    const command = options.command?.trim();
    let ch: Ssh2Channel;
    if (command) ch = await lease.connection.exec(ptyCommandLine(command, options.cwd), pty);
    else if (options.cwd !== undefined) {
      ch = await lease.connection.exec(
        ptyCommandLine('exec "${SHELL:-/bin/sh}" -l', options.cwd),
        pty,
      );
    } else ch = await lease.connection.shell(pty);
    const title = `ssh ${target.alias}${command ? `: ${command}` : ""}`;
    return new SshPtyBackend(ch, lease, title, target.alias);
  } catch (err) {
    lease.release();
    throw err;
  }
}
