/**
 * The open audit file (private to lib/audit): created 0600 with O_APPEND under 0700 parents,
 * refused unless it is a regular file, and checked before each write for rotation (the path now
 * names another inode or is gone) and in-place truncation (copytruncate).
 */
import { dirname } from "node:path";
import type { Logger } from "../log/mod.ts";

/**
 * The few file operations the sink needs; `Deno.FsFile` satisfies it. The per-record operations
 * are synchronous: appending one short line to a local file takes microseconds, while each async
 * file op costs an event-loop round trip (four per record: lock, fstat, write, unlock), which
 * measurably added to every tool call's latency.
 */
export interface AuditFileHandle {
  /** Writes some bytes at the end of the file; returns how many were written. */
  writeSync(data: Uint8Array): number;
  /** Metadata of the open file (fstat). */
  statSync(): Deno.FileInfo;
  /** Releases the handle. */
  close(): void;
  /** Takes an advisory lock (flock) on the file; optional for fault-injection fakes. */
  lockSync?(exclusive?: boolean): void;
  /** Releases the advisory lock. */
  unlockSync?(): void;
}

/** Opens `path` for appending, creating it with mode 0600 (a seam for fault injection). */
export type AuditFileOpener = (path: string) => Promise<AuditFileHandle>;

/** The real opener: `O_WRONLY|O_APPEND|O_CREAT`, mode 0600. */
export const openForAppend: AuditFileOpener = (path) =>
  Deno.open(path, { append: true, create: true, mode: 0o600 });

/** What changed at the path since the file was opened. */
export type PathChange = "none" | "rotated" | "vanished" | "truncated";

/** Describes a non-regular file for a degraded reason. */
export function describeKind(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a directory";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isFifo) return "a FIFO";
  if (info.isSocket) return "a socket";
  return "not a regular file";
}

/** An audit file opened for appending. */
export class AuditFile {
  #path: string;
  #handle: AuditFileHandle;
  #dev: number | null;
  #ino: number | null;
  #size: number;
  #needNewline: boolean;
  #ownEnd: number;

  /** Use {@linkcode AuditFile.open}. */
  constructor(path: string, handle: AuditFileHandle, info: Deno.FileInfo, needNewline: boolean) {
    this.#path = path;
    this.#handle = handle;
    this.#dev = info.dev ?? null;
    this.#ino = info.ino ?? null;
    this.#size = info.size;
    this.#needNewline = needNewline;
    // Unknown until our first locked append: whatever is at the end of the file then (another
    // process may have appended since the chain head was read) decides the head.
    this.#ownEnd = -1;
  }

  /** Opens (creating) the audit file; throws an Error whose message is the degraded reason. */
  static async open(path: string, opener: AuditFileOpener, logger: Logger): Promise<AuditFile> {
    await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // Check before opening: opening a FIFO for writing would block until a reader appears.
    const before = await statOrNull(path);
    if (before && !before.isFile) throw new Error(`${path} is ${describeKind(before)}`);
    const handle = await opener(path);
    try {
      const info = handle.statSync();
      if (!info.isFile) throw new Error(`${path} is ${describeKind(info)}`);
      if (info.mode !== null && (info.mode & 0o077) !== 0) {
        try {
          await Deno.chmod(path, 0o600);
        } catch (err) {
          logger.warn("cannot restrict the audit file to mode 0600", { path, error: err });
        }
      }
      const torn = info.size > 0 && !(await endsWithNewline(path, info.size));
      return new AuditFile(path, handle, info, torn);
    } catch (err) {
      handle.close();
      throw err;
    }
  }

  /** Compares the path with the open file: rotated away, vanished, truncated in place, or none. */
  async check(): Promise<PathChange> {
    const info = statOrNullSync(this.#path);
    if (!info) return "vanished";
    if (this.#ino !== null && (info.ino !== this.#ino || info.dev !== this.#dev)) return "rotated";
    if (info.size < this.#size) {
      // copytruncate: same inode, cut back. O_APPEND writes land at the new end by themselves.
      // Not a foreign append: the chain continues from memory.
      this.#size = info.size;
      this.#ownEnd = info.size;
      this.#needNewline = info.size > 0 && !(await endsWithNewline(this.#path, info.size));
      return "truncated";
    }
    this.#size = info.size;
    return "none";
  }

  /**
   * Takes the exclusive advisory lock that serializes appends across processes, and reports
   * whether another writer appended since this handle's last write (its chain head is then on the
   * file's last line, not in our memory). Pair with {@linkcode AuditFile.unlock}.
   */
  lockForAppend(): boolean {
    if (!this.#handle.lockSync) return false;
    this.#handle.lockSync(true);
    try {
      const info = this.#handle.statSync();
      const foreign = info.size !== this.#ownEnd;
      if (foreign) {
        this.#size = info.size;
        this.#ownEnd = info.size;
        this.#needNewline = info.size > 0 && !endsWithNewlineSync(this.#path, info.size);
      }
      return foreign;
    } catch (err) {
      this.unlock();
      throw err;
    }
  }

  /** Releases the lock taken by {@linkcode AuditFile.lockForAppend}. */
  unlock(): void {
    try {
      this.#handle.unlockSync?.();
    } catch {
      // closed meanwhile: the lock went with the descriptor
    }
  }

  /** Appends one line (with its newline) in one write; separates it from a torn line first. */
  writeLine(line: Uint8Array): void {
    let data = line;
    if (this.#needNewline) {
      data = new Uint8Array(line.length + 1);
      data[0] = 10;
      data.set(line, 1);
    }
    let off = 0;
    try {
      while (off < data.length) off += this.#handle.writeSync(data.subarray(off));
    } finally {
      this.#size += off;
      this.#ownEnd += off;
      if (off > 0) this.#needNewline = off < data.length;
    }
  }

  /** Closes the handle (idempotent). */
  close(): void {
    try {
      this.#handle.close();
    } catch {
      // already closed
    }
  }
}

function statOrNullSync(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

function endsWithNewlineSync(path: string, size: number): boolean {
  const file = Deno.openSync(path, { read: true });
  try {
    file.seekSync(size - 1, Deno.SeekMode.Start);
    const buf = new Uint8Array(1);
    const n = file.readSync(buf);
    return n !== 1 || buf[0] === 10;
  } finally {
    file.close();
  }
}

async function endsWithNewline(path: string, size: number): Promise<boolean> {
  const file = await Deno.open(path, { read: true });
  try {
    await file.seek(size - 1, Deno.SeekMode.Start);
    const buf = new Uint8Array(1);
    const n = await file.read(buf);
    return n !== 1 || buf[0] === 10;
  } finally {
    file.close();
  }
}
