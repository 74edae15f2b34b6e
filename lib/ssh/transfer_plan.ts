/**
 * What a transfer will move: the source tree walked with lstat (local) or readdir attributes
 * (remote), in parents-first order. Symbolic links are never followed inside a tree and special
 * files (sockets, devices, FIFOs) are never read: both are listed as skipped with a reason.
 */
import { join as posixJoin } from "node:path/posix";
import type { SftpClient } from "./sftp_client.ts";

/** One entry to create at the destination; `rel` is `/`-separated ("" is the root). */
export interface PlanEntry {
  /** Path relative to the source root ("" for the root itself). */
  rel: string;
  /** Directory or regular file. */
  kind: "dir" | "file";
  /** Size in bytes (0 for directories). */
  size: number;
  /** Permission bits (07777). */
  mode: number;
  /** Modification time, seconds. */
  mtime: number;
  /** Access time, seconds. */
  atime: number;
}

/** An entry left out, with why. */
export interface SkippedEntry {
  /** Source path (absolute or as given). */
  path: string;
  /** `symlink (not followed)`, `special file`, … */
  reason: string;
}

/** A walked source. */
export interface TransferPlan {
  /** Entries in parents-first order. */
  entries: PlanEntry[];
  /** Symlinks and special files left out. */
  skipped: SkippedEntry[];
  /** Bytes of all files. */
  totalBytes: number;
  /** Number of files. */
  totalFiles: number;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function finish(entries: PlanEntry[], skipped: SkippedEntry[]): TransferPlan {
  let totalBytes = 0;
  let totalFiles = 0;
  for (const e of entries) {
    if (e.kind === "file") {
      totalBytes += e.size;
      totalFiles++;
    }
  }
  return { entries, skipped, totalBytes, totalFiles };
}

const secs = (d: Date | null | undefined) => (d ? Math.floor(d.getTime() / 1000) : 0);

/** Joins a relative path onto a root (`/`-separated). */
export function joinRel(root: string, rel: string): string {
  return rel === "" ? root : posixJoin(root, rel);
}

/** Walks a local source; the root itself is followed if it is a symlink (the caller named it). */
export async function walkLocal(root: string, recursive: boolean): Promise<TransferPlan> {
  const st = await Deno.stat(root);
  const entries: PlanEntry[] = [];
  const skipped: SkippedEntry[] = [];
  const entry = (rel: string, s: Deno.FileInfo, kind: "dir" | "file"): PlanEntry => ({
    rel,
    kind,
    size: kind === "file" ? s.size : 0,
    mode: (s.mode ?? 0o644) & 0o7777,
    mtime: secs(s.mtime),
    atime: secs(s.atime),
  });
  if (st.isFile) return finish([entry("", st, "file")], skipped);
  if (!st.isDirectory) {
    throw new TypeError(`local_path: ${root} is not a regular file or directory`);
  }
  if (!recursive) {
    throw new TypeError(
      `local_path: ${root} is a directory; pass recursive: true to copy the tree`,
    );
  }
  const walk = async (rel: string, s: Deno.FileInfo) => {
    entries.push(entry(rel, s, "dir"));
    const names: string[] = [];
    for await (const e of Deno.readDir(joinRel(root, rel))) names.push(e.name);
    names.sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const path = joinRel(root, r);
      const ls = await Deno.lstat(path);
      if (ls.isSymlink) skipped.push({ path, reason: "symlink (not followed)" });
      else if (ls.isDirectory) await walk(r, ls);
      else if (ls.isFile) entries.push(entry(r, ls, "file"));
      else skipped.push({ path, reason: "special file" });
    }
  };
  await walk("", st);
  return finish(entries, skipped);
}

/** Walks a remote source over SFTP (the root is followed if it is a symlink). */
export async function walkRemote(
  sftp: SftpClient,
  root: string,
  recursive: boolean,
): Promise<TransferPlan> {
  const st = await sftp.stat(root);
  const entries: PlanEntry[] = [];
  const skipped: SkippedEntry[] = [];
  const entry = (
    rel: string,
    a: { mode?: number; size?: number; mtime?: number; atime?: number },
    kind: "dir" | "file",
  ): PlanEntry => ({
    rel,
    kind,
    size: kind === "file" ? a.size ?? 0 : 0,
    mode: (a.mode ?? 0o644) & 0o7777,
    mtime: a.mtime ?? 0,
    atime: a.atime ?? 0,
  });
  if (st.isFile()) return finish([entry("", st, "file")], skipped);
  if (!st.isDirectory()) {
    throw new TypeError(`remote_path: ${root} is not a regular file or directory`);
  }
  if (!recursive) {
    throw new TypeError(
      `remote_path: ${root} is a directory; pass recursive: true to copy the tree`,
    );
  }
  const walk = async (rel: string, a: { mode?: number; mtime?: number; atime?: number }) => {
    entries.push(entry(rel, a, "dir"));
    const list = await sftp.readdir(joinRel(root, rel));
    list.sort((x, y) => (x.filename < y.filename ? -1 : x.filename > y.filename ? 1 : 0));
    for (const e of list) {
      const r = rel ? `${rel}/${e.filename}` : e.filename;
      const path = joinRel(root, r);
      const type = (e.attrs.mode ?? 0) & S_IFMT;
      if (type === S_IFLNK) skipped.push({ path, reason: "symlink (not followed)" });
      else if (type === S_IFDIR) await walk(r, e.attrs);
      else if (type === S_IFREG) entries.push(entry(r, e.attrs, "file"));
      else skipped.push({ path, reason: "special file" });
    }
  };
  await walk("", st);
  return finish(entries, skipped);
}
