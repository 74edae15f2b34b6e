/**
 * The file-system primitives the file operations are built on, with one implementation per
 * place: the local machine (Deno APIs) and a host over SFTP. Paths given to a backend are
 * absolute (see {@linkcode FileBackend.resolve}); every failure is a {@linkcode FileError} naming
 * the operation and the path.
 */
import { absolutePath, normalisePath } from "../util/paths.ts";

export { absolutePath };

/** What a path is. */
export type FileType = "file" | "dir" | "symlink" | "other";

/** The attributes of one path (lstat semantics unless said otherwise). */
export interface FileStat {
  /** Its type. */
  readonly type: FileType;
  /** Size in bytes. */
  readonly size: number;
  /** Permission bits (`mode & 0o7777`). */
  readonly mode: number;
  /** Modification time, ms since the epoch (0 if unknown). */
  readonly mtimeMs: number;
}

/** One directory entry. */
export interface DirEntry {
  /** Its name (no slash). */
  readonly name: string;
  /** Its attributes, not following a symlink. */
  readonly stat: FileStat;
}

/** An open file being written. */
export interface FileWriter {
  /** Writes all of `data` (at the end for an append). */
  write(data: Uint8Array): Promise<void>;
  /** Flushes to stable storage. */
  sync(): Promise<void>;
  /** Closes the file. */
  close(): Promise<void>;
}

/** How {@linkcode FileBackend.openWrite} opens a file. */
export interface OpenWriteOptions {
  /** `create`: fail if it exists (O_EXCL); `append`: create or append (O_APPEND). */
  readonly how: "create" | "append";
  /** Permission bits for a file that gets created. */
  readonly mode: number;
}

/** The primitives; one instance serves one tool call. */
export interface FileBackend {
  /** `local` or the host's name, for messages. */
  readonly where: string;
  /** The home directory (local) or login directory (remote), absolute. */
  home(): Promise<string>;
  /** The absolute form of `path`: `~` and `~/x` against the home, relative against the cwd/login directory. */
  resolve(path: string): Promise<string>;
  /** Attributes of `path` itself, or null when it does not exist. */
  lstat(path: string): Promise<FileStat | null>;
  /** Attributes of what `path` points to, or null when it (or its target) does not exist. */
  stat(path: string): Promise<FileStat | null>;
  /** The entries of a directory (without `.` and `..`), in no particular order. */
  readdir(path: string): Promise<DirEntry[]>;
  /** A symlink's target as stored. */
  readlink(path: string): Promise<string>;
  /** The canonical path (symlinks resolved). */
  realpath(path: string): Promise<string>;
  /** Reads up to `length` bytes at `offset`; also returns the file's size. */
  readAt(path: string, offset: number, length: number): Promise<{ data: Uint8Array; size: number }>;
  /** Opens a file for writing. */
  openWrite(path: string, options: OpenWriteOptions): Promise<FileWriter>;
  /** Renames `from` to `to`, replacing `to` atomically when `replace` (else failing if it exists). */
  rename(from: string, to: string, replace: boolean): Promise<void>;
  /** Creates one directory. */
  mkdir(path: string, mode: number): Promise<void>;
  /** Removes a file or symlink. */
  unlink(path: string): Promise<void>;
  /** Removes an empty directory. */
  rmdir(path: string): Promise<void>;
  /** Sets the permission bits (follows symlinks). */
  chmod(path: string, mode: number): Promise<void>;
}

/** Why a file operation failed, in a form callers branch on. */
export type FileErrorKind = "not_found" | "denied" | "exists" | "other";

/** A failed file operation: `"<op> <path>: <reason>"`. */
export class FileError extends Error {
  /** The operation (`read`, `write`, `delete` …). */
  readonly op: string;
  /** The path concerned. */
  readonly path: string;
  /** The kind of failure. */
  readonly kind: FileErrorKind;
  /** Builds the error. */
  constructor(
    op: string,
    path: string,
    reason: string,
    kind: FileErrorKind = "other",
    options?: ErrorOptions,
  ) {
    super(`${op} ${path}: ${reason}`, options);
    this.name = "FileError";
    this.op = op;
    this.path = path;
    this.kind = kind;
  }
}

/** Joins an absolute directory and a relative name. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** The parent of an absolute path (`/` for `/x` and for `/`). */
export function parentOf(path: string): string {
  const p = path.replace(/\/+$/, "");
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

/** The last component of a path. */
export function baseName(path: string): string {
  const p = path.replace(/\/+$/, "");
  return p.slice(p.lastIndexOf("/") + 1) || "/";
}

/** Lexically normalises an absolute path (`//`, `.`, `..`, trailing `/`). */
export const normalizePath: (path: string) => string = normalisePath;

/** `type` and permission bits from a raw st_mode. */
export function statFromMode(mode: number, size: number, mtimeMs: number): FileStat {
  const fmt = mode & 0o170000;
  const type: FileType = fmt === 0o040000
    ? "dir"
    : fmt === 0o100000
    ? "file"
    : fmt === 0o120000
    ? "symlink"
    : "other";
  return { type, size, mode: mode & 0o7777, mtimeMs };
}
