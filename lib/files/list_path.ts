/** Bounded listings: breadth-first to a depth, glob-filtered, never following symlinks. */
import { type FileBackend, FileError, type FileStat, type FileType, joinPath } from "./backend.ts";
import { compileGlob } from "./glob.ts";

/** Formats permission bits as a 4-digit octal string (`"0644"`). */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

/** ISO 8601 UTC to the second. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** One listed entry. */
export interface ListEntry {
  /** Path relative to the listed directory (the path itself for a single stat). */
  path: string;
  /** Its type. */
  type: FileType;
  /** Size in bytes. */
  size: number;
  /** Permission bits as octal (`"0644"`). */
  mode: string;
  /** Modification time, ISO 8601 UTC. */
  mtime: string;
  /** A symlink's target. */
  target?: string;
}

/** Options for {@linkcode listPath}. */
export interface ListOptions {
  /** Levels to descend (1: the directory's own entries). */
  depth: number;
  /** Only entries matching this glob (directories are still descended). */
  glob?: string;
  /** Include names starting with a dot. */
  hidden: boolean;
  /** At most this many entries. */
  limit: number;
  /** Stops the walk. */
  signal?: AbortSignal;
}

/** A listing. */
export interface ListResult {
  /** True when `path` is a directory (its entries are listed), false for a single stat. */
  isDir: boolean;
  /** Entries sorted by path. */
  entries: ListEntry[];
  /** True when the entry limit cut the listing. */
  truncated: boolean;
}

const MAX_DIRS_VISITED = 10_000;

async function entryOf(
  b: FileBackend,
  abs: string,
  rel: string,
  st: FileStat,
): Promise<ListEntry> {
  const e: ListEntry = {
    path: rel,
    type: st.type,
    size: st.size,
    mode: formatMode(st.mode),
    mtime: isoSeconds(st.mtimeMs),
  };
  if (st.type === "symlink") e.target = await b.readlink(abs).catch(() => "?");
  return e;
}

/**
 * Lists the directory at absolute `path` breadth-first to `depth` levels, never following
 * symlinks below it (a symlink given as `path` to a directory is listed). A non-directory gives
 * one entry: its own stat.
 */
export async function listPath(b: FileBackend, path: string, o: ListOptions): Promise<ListResult> {
  const own = await b.lstat(path);
  if (!own) throw new FileError("list", path, "no such file or directory", "not_found");
  const followed = own.type === "symlink" ? await b.stat(path) : own;
  if (followed?.type !== "dir") {
    return { isDir: false, entries: [await entryOf(b, path, path, own)], truncated: false };
  }
  const match = o.glob ? compileGlob(o.glob) : () => true;
  const entries: ListEntry[] = [];
  let truncated = false;
  let visited = 0;
  let level: { abs: string; rel: string }[] = [{ abs: path, rel: "" }];
  for (let d = 1; d <= o.depth && level.length && !truncated; d++) {
    const next: typeof level = [];
    for (const dir of level) {
      o.signal?.throwIfAborted();
      if (++visited > MAX_DIRS_VISITED) {
        truncated = true;
        break;
      }
      let list;
      try {
        list = await b.readdir(dir.abs);
      } catch (err) {
        if (dir.rel === "") throw err;
        continue; // an unreadable subdirectory: listed, not descended
      }
      list.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
      for (const e of list) {
        if (!o.hidden && e.name.startsWith(".")) continue;
        const rel = dir.rel ? `${dir.rel}/${e.name}` : e.name;
        const abs = joinPath(dir.abs, e.name);
        if (match(rel)) {
          if (entries.length >= o.limit) {
            truncated = true;
            break;
          }
          entries.push(await entryOf(b, abs, rel, e.stat));
        }
        if (e.stat.type === "dir") next.push({ abs, rel });
      }
      if (truncated) break;
    }
    level = next;
  }
  entries.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return { isDir: true, entries, truncated };
}
