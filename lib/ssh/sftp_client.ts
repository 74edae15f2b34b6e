/**
 * A promise API over one SFTP subsystem channel, and {@linkcode withSftp}, which opens it on a
 * pooled connection (holding a session-channel slot while it is open) and always ends it. Every
 * error names the remote path and says what failed, as `SftpError` with the SFTP status code
 * (2 no such file, 3 permission denied, 4 failure); a dropped connection becomes
 * {@linkcode SshConnectionLostError}. Shared by the transfer and the remote file tools.
 */
import { Buffer } from "node:buffer";
import type { SshConnection } from "./connection.ts";
import type { ResolvedTarget } from "./hosts/target.ts";
import type { SshPool } from "./pool.ts";
import type {
  Ssh2Sftp,
  Ssh2SftpAttrs,
  Ssh2SftpDirEntry,
  Ssh2SftpError,
  Ssh2SftpStats,
} from "./_ssh2.ts";

/** SFTP status codes relay-shell reacts to. */
export const SFTP_STATUS = { EOF: 1, NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4 } as const;

/** A failed SFTP request: `code` is the SFTP status, `path` the remote path concerned. */
export class SftpError extends Error {
  /** SFTP status code (see {@linkcode SFTP_STATUS}), or undefined for a local failure. */
  readonly code: number | undefined;
  /** The remote path the request was about. */
  readonly path: string;
  /** Builds the error. */
  constructor(op: string, path: string, cause: Ssh2SftpError) {
    super(`${op} ${path}: ${describe(cause)}`, { cause });
    this.name = "SftpError";
    this.code = typeof cause.code === "number" ? cause.code : undefined;
    this.path = path;
  }
  /** True for "no such file". */
  get notFound(): boolean {
    return this.code === SFTP_STATUS.NO_SUCH_FILE;
  }
  /** True for "permission denied". */
  get denied(): boolean {
    return this.code === SFTP_STATUS.PERMISSION_DENIED;
  }
}

function describe(err: Ssh2SftpError): string {
  switch (err.code) {
    case SFTP_STATUS.NO_SUCH_FILE:
      return "no such file or directory";
    case SFTP_STATUS.PERMISSION_DENIED:
      return "permission denied";
    default:
      return err.message || "failed";
  }
}

/** ssh2's refusal of an extended request the server did not announce (thrown before sending). */
function unsupportedExtension(err: unknown): boolean {
  return err instanceof Error && /does not support this extended request/i.test(err.message);
}

/** ssh2 accepts only a Node Buffer for writes: a view of the same bytes, no copy. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** A promise wrapper over one {@linkcode Ssh2Sftp}; create it with {@linkcode withSftp}. */
export class SftpClient {
  /** The raw ssh2 SFTP object (for pipelined reads and writes). */
  readonly raw: Ssh2Sftp;
  /** The connection it runs on. */
  readonly connection: SshConnection;

  /** Wraps an open SFTP channel. */
  constructor(raw: Ssh2Sftp, connection: SshConnection) {
    this.raw = raw;
    this.connection = connection;
  }

  #call<T>(op: string, path: string, fn: (cb: (err?: Ssh2SftpError, v?: T) => void) => void) {
    return new Promise<T>((resolve, reject) => {
      try {
        fn((err, v) => {
          if (!err) return resolve(v as T);
          if (!this.connection.alive) return reject(this.connection.lostError());
          reject(new SftpError(op, path, err));
        });
      } catch (err) {
        reject(this.connection.alive ? err : this.connection.lostError());
      }
    });
  }

  /** stat (follows symlinks). */
  stat(path: string): Promise<Ssh2SftpStats> {
    return this.#call("stat", path, (cb) => this.raw.stat(path, cb));
  }
  /** lstat (a symlink itself). */
  lstat(path: string): Promise<Ssh2SftpStats> {
    return this.#call("lstat", path, (cb) => this.raw.lstat(path, cb));
  }
  /** lstat, or null when the path does not exist. */
  async lstatOrNull(path: string): Promise<Ssh2SftpStats | null> {
    try {
      return await this.lstat(path);
    } catch (err) {
      if (err instanceof SftpError && err.notFound) return null;
      throw err;
    }
  }
  /** Opens a file (`r`, `w`, `wx`, `a`, `r+`); returns the handle. */
  open(path: string, flags: string, attrs: Ssh2SftpAttrs = {}): Promise<Buffer> {
    return this.#call("open", path, (cb) => this.raw.open(path, flags, attrs, cb));
  }
  /** Closes a handle (errors ignored when the channel is already gone). */
  close(handle: Buffer, path = "(handle)"): Promise<void> {
    return this.#call("close", path, (cb) => this.raw.close(handle, cb));
  }
  /** Reads up to `len` bytes at `position`; a shorter (or empty) result at end of file. */
  async read(
    handle: Buffer,
    len: number,
    position: number,
    path = "(handle)",
  ): Promise<Uint8Array> {
    const buf = Buffer.allocUnsafe(len);
    const n = await this.#call<number>(
      "read",
      path,
      (cb) =>
        this.raw.read(handle, buf, 0, len, position, (err, bytes) => {
          // EOF is a status, not a failure.
          if (err && err.code === SFTP_STATUS.EOF) return cb(undefined, 0);
          cb(err, bytes);
        }),
    );
    return buf.subarray(0, n);
  }
  /** Writes all of `data` at `position`. */
  write(handle: Buffer, data: Uint8Array, position: number, path = "(handle)"): Promise<void> {
    return this.#call(
      "write",
      path,
      (cb) => this.raw.write(handle, asBuffer(data), 0, data.length, position, cb),
    );
  }
  /** fstat of a handle. */
  fstat(handle: Buffer, path = "(handle)"): Promise<Ssh2SftpStats> {
    return this.#call("fstat", path, (cb) => this.raw.fstat(handle, cb));
  }
  /** Sets attributes by path (mode, times, …). */
  setstat(path: string, attrs: Ssh2SftpAttrs): Promise<void> {
    return this.#call("setstat", path, (cb) => this.raw.setstat(path, attrs, cb));
  }
  /** Sets attributes on a handle. */
  fsetstat(handle: Buffer, attrs: Ssh2SftpAttrs, path = "(handle)"): Promise<void> {
    return this.#call("fsetstat", path, (cb) => this.raw.fsetstat(handle, attrs, cb));
  }
  /** fsync@openssh.com (skipped silently if the server lacks it). */
  async fsync(handle: Buffer, path = "(handle)"): Promise<void> {
    try {
      await this.#call("fsync", path, (cb) => this.raw.ext_openssh_fsync(handle, cb));
    } catch (err) {
      if (unsupportedExtension(err)) return; // an fsync that fails is an error, a missing one is not
      throw err;
    }
  }
  /** Directory entries without `.` and `..`. */
  async readdir(path: string): Promise<Ssh2SftpDirEntry[]> {
    const list = await this.#call<Ssh2SftpDirEntry[]>(
      "list",
      path,
      (cb) => this.raw.readdir(path, cb),
    );
    return list.filter((e) => e.filename !== "." && e.filename !== "..");
  }
  /** Creates one directory. */
  mkdir(path: string, mode?: number): Promise<void> {
    return this.#call("mkdir", path, (cb) => this.raw.mkdir(path, mode ? { mode } : {}, cb));
  }
  /** mkdir -p: creates `path` and missing parents; true if it created anything. */
  async mkdirp(path: string, mode?: number): Promise<boolean> {
    const st = await this.#statOrNull(path);
    if (st) {
      if (!st.isDirectory()) {
        throw new SftpError(
          "mkdir",
          path,
          Object.assign(new Error("exists and is not a directory"), {
            code: SFTP_STATUS.FAILURE,
          }),
        );
      }
      return false;
    }
    const parent = path.replace(/\/+[^/]*\/*$/, "");
    if (parent && parent !== path) await this.mkdirp(parent, mode);
    try {
      await this.mkdir(path, mode);
    } catch (err) {
      // Raced with another creator: fine if it is a directory now.
      if ((await this.#statOrNull(path))?.isDirectory()) return false;
      throw err;
    }
    return true;
  }
  async #statOrNull(path: string): Promise<Ssh2SftpStats | null> {
    try {
      return await this.stat(path);
    } catch (err) {
      if (err instanceof SftpError && err.notFound) return null;
      throw err;
    }
  }
  /** Removes a file or symlink. */
  unlink(path: string): Promise<void> {
    return this.#call("delete", path, (cb) => this.raw.unlink(path, cb));
  }
  /** Removes an empty directory. */
  rmdir(path: string): Promise<void> {
    return this.#call("rmdir", path, (cb) => this.raw.rmdir(path, cb));
  }
  /** Renames, replacing `to` atomically (posix-rename@openssh.com; plain rename otherwise). */
  async rename(from: string, to: string, replace = true): Promise<void> {
    if (!replace) return this.#call("rename", from, (cb) => this.raw.rename(from, to, cb));
    try {
      await this.#call("rename", from, (cb) => this.raw.ext_openssh_rename(from, to, cb));
    } catch (err) {
      if (!unsupportedExtension(err)) throw err;
      await this.#call("rename", from, (cb) => this.raw.rename(from, to, cb));
    }
  }
  /** A symlink's target. */
  readlink(path: string): Promise<string> {
    return this.#call("readlink", path, (cb) => this.raw.readlink(path, cb));
  }
  /** Creates a symlink at `linkPath` pointing to `target`. */
  symlink(target: string, linkPath: string): Promise<void> {
    return this.#call("symlink", linkPath, (cb) => this.raw.symlink(target, linkPath, cb));
  }
  /** Canonical absolute path (`.` is the login directory). */
  realpath(path: string): Promise<string> {
    return this.#call("realpath", path, (cb) => this.raw.realpath(path, cb));
  }
  /** Sets the mode bits. */
  chmod(path: string, mode: number): Promise<void> {
    return this.setstat(path, { mode });
  }
}

/** Options for {@linkcode withSftp}. */
export interface WithSftpOptions {
  /** Gives up waiting for a connection or slot; also ends the SFTP channel when it fires. */
  signal?: AbortSignal;
  /** Connect deadline if a connection must be opened. */
  timeoutMs?: number;
}

/**
 * Opens SFTP on a pooled connection to `target`, runs `fn`, and always ends the channel and
 * releases the slot. An abort ends the channel at once, so pending requests fail.
 */
export async function withSftp<T>(
  pool: SshPool,
  target: ResolvedTarget,
  fn: (sftp: SftpClient) => Promise<T>,
  options: WithSftpOptions = {},
): Promise<T> {
  const lease = await pool.acquire(target, {
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  });
  let raw: Ssh2Sftp | undefined;
  const onAbort = () => {
    try {
      raw?.end();
    } catch { /* already ended */ }
  };
  try {
    raw = await lease.connection.sftp();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    options.signal?.throwIfAborted();
    return await fn(new SftpClient(raw, lease.connection));
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    onAbort();
    lease.release();
  }
}
