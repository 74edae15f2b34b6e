/**
 * A program on a real pseudo-terminal that is its controlling terminal. The master side is
 * opened through libc; the child is spawned as
 * `/bin/sh -c 'exec setsid -c "$@" <"$0" >"$0" 2>&1' <slave> <argv…>`, so the program leads a new
 * session and process group (pid = pgid = sid) with the slave as stdin, stdout, stderr and
 * controlling terminal: job control, Ctrl-C and SIGWINCH behave as at a real terminal. The slave
 * path travels as `$0`, so nothing is added to the program's environment.
 */
import { spawnDeno, type SpawnedProcess, type Spawner } from "../exec/mod.ts";
import {
  acquire,
  EAGAIN,
  EINTR,
  errno,
  foregroundGroup,
  openMaster,
  openWaker,
  POLLIN,
  POLLOUT,
  pollSet,
  pollWait,
  release,
  setWindowSize,
  sys,
  wake,
} from "./_libc.ts";
import { sessionMembers, signalSession } from "./_session_members.ts";

const WRAPPER = 'exec setsid -c "$@" <"$0" >"$0" 2>&1';
const CHUNK = 65536;

/** Options for {@linkcode spawnPty}. */
export interface PtySpawnOptions {
  /** Working directory (default: the server's). */
  cwd?: string;
  /** The complete environment (set TERM here). */
  env: Record<string, string>;
  /** Terminal columns. */
  cols: number;
  /** Terminal rows. */
  rows: number;
  /** How long `exited` waits for the rest of the output after the program exits (default 1000 ms). */
  drainMs?: number;
  /** Process creation seam (default: `spawnDeno`). */
  spawner?: Spawner;
}

/** How a PTY program ended. */
export interface PtyExit {
  /** Exit status, or null when a signal ended it. */
  exitCode: number | null;
  /** The terminating signal (e.g. `SIGINT`), or null. */
  signal: string | null;
}

/** Writing to or resizing a PTY whose program has exited or that was closed. */
export class PtyClosedError extends Error {
  /** The program's pid. */
  readonly pid: number;
  /** Builds the error. */
  constructor(pid: number, why: string) {
    super(`Cannot write to the terminal of pid ${pid}: ${why}`);
    this.name = "PtyClosedError";
    this.pid = pid;
  }
}

/** A write made no progress for too long (the program is not reading its input). */
export class PtyWriteStalledError extends Error {
  /** Bytes that were written before the stall. */
  readonly written: number;
  /** Builds the error. */
  constructor(written: number, total: number, ms: number) {
    super(`Terminal input stalled: ${written} of ${total} bytes written, no progress for ${ms} ms`);
    this.name = "PtyWriteStalledError";
    this.written = written;
  }
}

/** Options for {@linkcode PtyProcess.write}. */
export interface PtyWriteOptions {
  /** Gives up (AbortError) when aborted. */
  signal?: AbortSignal;
  /** Fails with PtyWriteStalledError after this long without progress (default 10000 ms). */
  stallMs?: number;
}

function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((r) => (id = setTimeout(r, ms)));
  return { promise, cancel: () => clearTimeout(id) };
}

/** A running program on a PTY; create with {@linkcode spawnPty}. */
export class PtyProcess {
  /** The program's pid (also its process group and session id). */
  readonly pid: number;
  /** The program's terminal output (a byte stream: BYOB readers welcome); ends when the terminal closes. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Resolves when the program has exited and its output has drained (or `drainMs` passed). */
  readonly exited: Promise<PtyExit>;

  #fd: number;
  #waker: number;
  #child: SpawnedProcess;
  #status: PtyExit | null = null;
  #eof = false;
  #eofSeen!: () => void;
  #closing = false;
  #closed: Promise<PtyExit> | null = null;
  #pulling: Promise<void> | null = null;
  #writes: Promise<unknown> = Promise.resolve();
  #readSet: Uint8Array;

  /** Internal: use {@linkcode spawnPty}. */
  constructor(fd: number, waker: number, child: SpawnedProcess, drainMs: number) {
    this.#fd = fd;
    this.#waker = waker;
    this.#child = child;
    this.pid = child.pid;
    this.#readSet = pollSet([fd, waker], POLLIN);
    const eof = new Promise<void>((r) => (this.#eofSeen = r));
    // A byte stream: a BYOB reader lends its own buffer, so the output path allocates nothing per chunk.
    this.readable = new ReadableStream({
      type: "bytes",
      autoAllocateChunkSize: CHUNK,
      pull: (controller) => {
        const p = this.#pull(controller);
        this.#pulling = p;
        return p.finally(() => (this.#pulling = null));
      },
      cancel: () => this.#markEof(),
    }, { highWaterMark: 0 });
    this.exited = child.status.then(async (st) => {
      this.#status = { exitCode: st.signal ? null : st.code, signal: st.signal ?? null };
      const d = delay(drainMs);
      await Promise.race([eof, d.promise]);
      d.cancel();
      return this.#status;
    });
  }

  /** True once `close` was called. */
  get closed(): boolean {
    return this.#closing;
  }

  /** True once the program has exited. */
  get hasExited(): boolean {
    return this.#status !== null;
  }

  #markEof(): void {
    if (this.#eof) return;
    this.#eof = true;
    this.#eofSeen();
  }

  #end(controller: ReadableByteStreamController): void {
    this.#markEof();
    controller.close();
    controller.byobRequest?.respond(0);
  }

  async #pull(controller: ReadableByteStreamController): Promise<void> {
    for (;;) {
      if (this.#closing || this.#eof) return this.#end(controller); // before sys(): libc may be gone
      const c = sys();
      const req = controller.byobRequest!; // always there: autoAllocateChunkSize
      const v = req.view!;
      const view = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      // Coalesce what is ready into one chunk (each read is a cheap synchronous call).
      let got = 0;
      let err = 0;
      while (got < view.length) {
        const n = Number(c.read(this.#fd, view.subarray(got), BigInt(view.length - got)));
        if (n > 0) got += n;
        else {
          err = n < 0 ? errno() : -1; // 0 = end of file
          break;
        }
      }
      if (got > 0) {
        req.respond(got);
        return;
      }
      if (err === EINTR) continue;
      if (err === EAGAIN) {
        await pollWait(this.#readSet, -1);
        continue;
      }
      // EIO: every slave descriptor closed (end of output); anything else ends the stream too.
      return this.#end(controller);
    }
  }

  /** Writes all of `data` (serialized with other writes); throws PtyClosedError once closed. */
  write(data: Uint8Array, options: PtyWriteOptions = {}): Promise<void> {
    const run = this.#writes.then(() => this.#writeAll(data, options));
    this.#writes = run.catch(() => {});
    return run;
  }

  async #writeAll(data: Uint8Array, options: PtyWriteOptions): Promise<void> {
    const stallMs = options.stallMs ?? 10_000;
    const set = pollSet([this.#fd], POLLOUT);
    let off = 0;
    let lastProgress = performance.now();
    while (off < data.length) {
      options.signal?.throwIfAborted();
      if (this.#closing) throw new PtyClosedError(this.pid, "the terminal was closed");
      if (this.#status) throw new PtyClosedError(this.pid, "the program has exited");
      const n = Number(sys().write(this.#fd, data.subarray(off), BigInt(data.length - off)));
      if (n > 0) {
        off += n;
        lastProgress = performance.now();
        continue;
      }
      const e = n < 0 ? errno() : EAGAIN;
      if (e === EINTR) continue;
      if (e !== EAGAIN) throw new PtyClosedError(this.pid, `write failed (errno ${e})`);
      if (performance.now() - lastProgress > stallMs) {
        throw new PtyWriteStalledError(off, data.length, stallMs);
      }
      await pollWait(set, 100);
    }
  }

  /** Sets the terminal size; the foreground job gets SIGWINCH. */
  resize(cols: number, rows: number): void {
    if (this.#closing) throw new PtyClosedError(this.pid, "the terminal was closed");
    setWindowSize(this.#fd, cols, rows);
  }

  /** The terminal's foreground process group, or null once closed. */
  foregroundGroup(): number | null {
    return this.#closing ? null : foregroundGroup(this.#fd);
  }

  /**
   * Sends `signal` to the program's process group and to the terminal's foreground job when that
   * is another group (what a person at the terminal would mean). False if nothing was reached.
   */
  signal(signal: Deno.Signal): boolean {
    const groups = new Set([this.pid]);
    const fg = this.foregroundGroup();
    if (fg && fg > 1) groups.add(fg);
    let ok = false;
    for (const g of groups) {
      try {
        Deno.kill(-g, signal);
        ok = true;
      } catch {
        // gone
      }
    }
    return ok;
  }

  /**
   * Ends the program and everything in its terminal session: SIGHUP and SIGTERM to every process
   * group of the session, up to `graceMs` for them to go, then SIGKILL; then closes the terminal
   * and releases its descriptors. Idempotent; resolves with how the program ended.
   */
  close(graceMs = 2000): Promise<PtyExit> {
    this.#closed ??= this.#close(graceMs);
    return this.#closed;
  }

  async #close(graceMs: number): Promise<PtyExit> {
    if (!this.#status || sessionMembers(this.pid).length) {
      signalSession(this.pid, "SIGHUP");
      signalSession(this.pid, "SIGTERM");
      try {
        Deno.kill(this.pid, "SIGTERM"); // the leader itself, if it left its own group
      } catch { /* exited */ }
      const end = performance.now() + graceMs;
      while (performance.now() < end && (!this.#status || sessionMembers(this.pid).length)) {
        const d = delay(20);
        await Promise.race([this.#child.status, d.promise]);
        d.cancel();
      }
      for (let i = 0; i < 3 && sessionMembers(this.pid).length; i++) {
        signalSession(this.pid, "SIGKILL");
      }
      if (!this.#status) {
        try {
          Deno.kill(this.pid, "SIGKILL");
        } catch { /* exited */ }
      }
    }
    const st = await this.#child.status;
    this.#closing = true;
    wake(this.#waker);
    await this.#pulling?.catch(() => {});
    await this.#writes;
    this.#markEof();
    sys().close(this.#fd);
    sys().close(this.#waker);
    this.#fd = -1;
    this.#waker = -1;
    release();
    return this.#status ?? { exitCode: st.signal ? null : st.code, signal: st.signal ?? null };
  }
}

/**
 * Starts `argv` (argv[0] a path or a PATH name, resolved by the child) on a new PTY of
 * `cols`×`rows`. Throws (closing everything it opened) when the terminal or the process cannot be
 * created; a program that cannot be executed shows up as output and a non-zero exit instead.
 */
export function spawnPty(argv: string[], options: PtySpawnOptions): PtyProcess {
  if (argv.length === 0) throw new TypeError("command: is empty; give a program to run");
  acquire();
  let fd = -1;
  let waker = -1;
  try {
    const master = openMaster();
    fd = master.fd;
    const slavePath = master.slavePath;
    setWindowSize(fd, options.cols, options.rows);
    waker = openWaker();
    const child = (options.spawner ?? spawnDeno)(["/bin/sh", "-c", WRAPPER, slavePath, ...argv], {
      cwd: options.cwd,
      env: options.env,
      stdin: "null",
      stdout: "null",
      stderr: "null",
      detached: false,
    });
    return new PtyProcess(fd, waker, child, options.drainMs ?? 1000);
  } catch (err) {
    if (fd >= 0) sys().close(fd);
    if (waker >= 0) sys().close(waker);
    release();
    throw err;
  }
}
