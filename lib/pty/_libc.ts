/**
 * The libc calls a PTY needs, through `Deno.dlopen` (Linux only), loaded while any PTY lives. `errno` is thread-local: read it right after a synchronous
 * call on the main thread. The one blocking call, `poll`, is declared `nonblocking` (it runs on a
 * worker thread and returns a Promise), so errno is never read after it.
 */
import { libcPaths } from "../util/libc.ts";

/** open(2) and eventfd(2) flags (the same values on x86_64 and aarch64 Linux): read and write. */
export const O_RDWR = 0o2;
const O_NOCTTY = 0o400;
const O_NONBLOCK = 0o4000;
/** Close on exec. */
export const O_CLOEXEC = 0o2000000;
const F_GETFL = 3;
const F_SETFL = 4;
const TIOCSWINSZ = 0x5414;
const TIOCGPGRP = 0x540f;

/** errno values the PTY code tells apart. */
export const EINTR = 4;
/** Input/output error: on a PTY master, the child side closed (end of output). */
export const EIO = 5;
/** Try again (non-blocking descriptor not ready). */
export const EAGAIN = 11;

/** poll(2) event bits. */
export const POLLIN = 0x1;
/** Writable. */
export const POLLOUT = 0x4;

const SYMBOLS = {
  posix_openpt: { parameters: ["i32"], result: "i32" },
  grantpt: { parameters: ["i32"], result: "i32" },
  unlockpt: { parameters: ["i32"], result: "i32" },
  ptsname_r: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  __errno_location: { parameters: [], result: "pointer" },
  memcpy: { parameters: ["buffer", "pointer", "usize"], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let lib: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;
let users = 0;

/**
 * Takes a reference on libc, loading it for the first user; pair with {@linkcode release}. The
 * library is unloaded when the last PTY is gone, so nothing stays loaded while no PTY lives.
 * Throws a clear Error off Linux or when FFI is not granted.
 */
export function acquire(): void {
  if (!lib) {
    if (Deno.build.os !== "linux") throw new Error("local PTY sessions need Linux");
    let last: unknown;
    for (const path of libcPaths()) {
      try {
        lib = Deno.dlopen(path, SYMBOLS);
        break;
      } catch (err) {
        last = err;
        if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
          break;
        }
      }
    }
    if (!lib) {
      throw new Error(
        `local PTY sessions need libc through FFI (--allow-ffi): ${(last as Error)?.message}`,
        {
          cause: last,
        },
      );
    }
  }
  users++;
}

/** Drops a reference taken by {@linkcode acquire}; the last one unloads libc. */
export function release(): void {
  if (users > 0 && --users === 0) {
    lib?.close();
    lib = undefined;
  }
}

/** The bound libc symbols (only between acquire and release). */
export function sys(): Libc {
  if (!lib) throw new Error("libc is not loaded (acquire() first)");
  return lib.symbols;
}

const errnoBuf = new Int32Array(1);
const errnoBytes = new Uint8Array(errnoBuf.buffer);

/**
 * The calling thread's errno (valid right after a failed synchronous call). Copied out with
 * memcpy: `Deno.UnsafePointerView` would need FFI access beyond the libc path grant.
 */
export function errno(): number {
  const c = sys();
  const p = c.__errno_location();
  if (!p) return 0;
  c.memcpy(errnoBytes, p, 4n);
  return errnoBuf[0];
}

/** An Error for a failed libc call, with errno in the message and as `code`. */
export function sysError(call: string, code = errno()): Error {
  return Object.assign(new Error(`${call} failed (errno ${code})`), { code });
}

/** Opens a PTY master (non-blocking, close-on-exec) and returns it with its slave path. */
export function openMaster(): { fd: number; slavePath: string } {
  const c = sys();
  const fd = c.posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) throw sysError("posix_openpt");
  try {
    if (c.grantpt(fd) !== 0) throw sysError("grantpt");
    if (c.unlockpt(fd) !== 0) throw sysError("unlockpt");
    const name = new Uint8Array(256);
    const rc = c.ptsname_r(fd, name, BigInt(name.length));
    if (rc !== 0) throw sysError("ptsname_r", rc);
    const flags = c.fcntl(fd, F_GETFL, 0);
    if (flags < 0 || c.fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) throw sysError("fcntl");
    return { fd, slavePath: new TextDecoder().decode(name.subarray(0, name.indexOf(0))) };
  } catch (err) {
    c.close(fd);
    throw err;
  }
}

/** A non-blocking, close-on-exec eventfd used to wake a pending poll. */
export function openWaker(): number {
  const fd = sys().eventfd(0, O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw sysError("eventfd");
  return fd;
}

/** Sets the terminal size (TIOCSWINSZ); the kernel sends SIGWINCH to the foreground job. */
export function setWindowSize(fd: number, cols: number, rows: number): void {
  const ws = new Uint16Array([rows, cols, 0, 0]);
  if (sys().ioctl(fd, BigInt(TIOCSWINSZ), new Uint8Array(ws.buffer)) !== 0) {
    throw sysError("ioctl(TIOCSWINSZ)");
  }
}

/** The terminal's foreground process group (TIOCGPGRP on the master), or null. */
export function foregroundGroup(fd: number): number | null {
  const out = new Int32Array(1);
  return sys().ioctl(fd, BigInt(TIOCGPGRP), new Uint8Array(out.buffer)) === 0 ? out[0] : null;
}

/** A pollfd array for `fds`, each waiting for `events`; reused across calls. */
export function pollSet(fds: readonly number[], events: number): Uint8Array {
  const buf = new Uint8Array(8 * fds.length);
  const view = new DataView(buf.buffer);
  fds.forEach((fd, i) => {
    view.setInt32(i * 8, fd, true);
    view.setInt16(i * 8 + 4, events, true);
  });
  return buf;
}

/** Waits (on a worker thread) until a descriptor of `set` is ready or `timeoutMs` passes. */
export async function pollWait(set: Uint8Array, timeoutMs: number): Promise<number> {
  const view = new DataView(set.buffer);
  for (let off = 6; off < set.length; off += 8) view.setInt16(off, 0, true);
  return await sys().poll(set, BigInt(set.length / 8), timeoutMs);
}

/** The `revents` of entry `index` after {@linkcode pollWait}. */
export function revents(set: Uint8Array, index: number): number {
  return new DataView(set.buffer).getInt16(index * 8 + 6, true);
}

/** Wakes a poll waiting on eventfd `fd`. */
export function wake(fd: number): void {
  sys().write(fd, new Uint8Array(new BigUint64Array([1n]).buffer), 8n);
}
