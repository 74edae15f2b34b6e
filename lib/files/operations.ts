/**
 * Changing operations, written once over {@linkcode FileBackend}: atomic whole-file writes and
 * appends, mkdir -p, moves, deletes (recursive without following symlinks) and mode parsing.
 */
import {
  baseName,
  type FileBackend,
  FileError,
  type FileType,
  joinPath,
  normalizePath,
  parentOf,
} from "./backend.ts";

/** Parses an octal mode string (`"644"`, `"0755"`, `"0o600"`); TypeError naming `arg` otherwise. */
export function parseMode(text: string, arg = "mode"): number {
  const m = /^(?:0o)?([0-7]{3,4})$/.exec(text.trim());
  if (!m) {
    throw new TypeError(
      `${arg}: expected an octal string such as "0644" or "755", got ${JSON.stringify(text)}`,
    );
  }
  return parseInt(m[1], 8);
}

/** Options for {@linkcode writeFile}. */
export interface WriteFileOptions {
  /** The bytes to write. */
  data: Uint8Array;
  /** Append instead of replacing (not atomic; creates the file if missing). */
  append: boolean;
  /** Replace an existing file (whole-file writes). */
  overwrite: boolean;
  /** Create missing parent directories. */
  createDirs: boolean;
  /** Permission bits (default: the existing file's, or 0644 for a new file). */
  mode?: number;
}

/** What {@linkcode writeFile} did. */
export interface WriteFileResult {
  /** The file written (a symlink's target when `path` was a symlink). */
  path: string;
  /** Bytes written. */
  bytes: number;
  /** True when the file did not exist before. */
  created: boolean;
  /** Its permission bits now. */
  mode: number;
}

/**
 * Writes `data` to absolute `path`. A whole-file write goes to a temp file in the same directory,
 * is fsynced and renamed over the target (readers see the old or the new file, never a mix); an
 * append opens with O_APPEND.
 */
export async function writeFile(
  b: FileBackend,
  path: string,
  o: WriteFileOptions,
): Promise<WriteFileResult> {
  if (o.createDirs) await makeDirs(b, parentOf(path), 0o755);
  else if ((await b.stat(parentOf(path)))?.type !== "dir") {
    throw new FileError(
      "write",
      path,
      `directory ${parentOf(path)} does not exist; pass create_dirs=true to create it`,
      "not_found",
    );
  }
  let target = path;
  let existing = await b.lstat(path);
  if (existing?.type === "symlink") {
    // Write through the link, so it keeps pointing at the (new) file.
    target = await b.realpath(path).catch(() => {
      throw new FileError("write", path, "is a dangling symlink");
    });
    existing = await b.lstat(target);
  }
  if (existing && existing.type !== "file") {
    throw new FileError("write", target, `is a ${describeType(existing.type)}, not a file`);
  }
  const mode = o.mode ?? existing?.mode ?? 0o644;
  if (o.append) {
    const w = await b.openWrite(target, { how: "append", mode });
    try {
      await w.write(o.data);
    } finally {
      await w.close().catch(() => {});
    }
    if (o.mode !== undefined) await b.chmod(target, o.mode);
    return { path: target, bytes: o.data.length, created: !existing, mode };
  }
  if (existing && !o.overwrite) {
    throw new FileError(
      "write",
      target,
      "already exists; pass overwrite=true to replace it (or append=true)",
      "exists",
    );
  }
  const dir = parentOf(target);
  const tmp = joinPath(
    dir,
    `.${baseName(target).slice(0, 100)}.${crypto.randomUUID().slice(0, 8)}.relay-tmp`,
  );
  const w = await b.openWrite(tmp, { how: "create", mode: 0o600 });
  try {
    try {
      await w.write(o.data);
      await w.sync();
    } finally {
      await w.close();
    }
    await b.chmod(tmp, mode);
    await b.rename(tmp, target, true);
  } catch (err) {
    await b.unlink(tmp).catch(() => {});
    throw err;
  }
  return { path: target, bytes: o.data.length, created: !existing, mode };
}

function describeType(t: FileType): string {
  return t === "dir" ? "directory" : t === "symlink" ? "symlink" : "special file";
}

/** mkdir -p: creates `path` and missing parents with `mode`; true if it created anything. */
export async function makeDirs(b: FileBackend, path: string, mode: number): Promise<boolean> {
  const missing: string[] = [];
  let p = normalizePath(path);
  for (;;) {
    const st = await b.stat(p);
    if (st) {
      if (st.type !== "dir") throw new FileError("mkdir", p, "exists and is not a directory");
      break;
    }
    missing.push(p);
    if (p === "/") break;
    p = parentOf(p);
  }
  for (const dir of missing.reverse()) {
    try {
      await b.mkdir(dir, mode);
      await b.chmod(dir, mode); // the umask may have narrowed it
    } catch (err) {
      if ((await b.stat(dir))?.type !== "dir") throw err; // lost a race to another creator: fine
    }
  }
  return missing.length > 0;
}

/** Renames `from` to `to`; refuses an existing `to` unless `overwrite`. */
export async function movePath(
  b: FileBackend,
  from: string,
  to: string,
  overwrite: boolean,
): Promise<void> {
  if (!await b.lstat(from)) {
    throw new FileError("move", from, "no such file or directory", "not_found");
  }
  if (normalizePath(from) === normalizePath(to)) return;
  if (!overwrite && await b.lstat(to)) {
    throw new FileError("move", to, "already exists; pass overwrite=true to replace it", "exists");
  }
  await b.rename(from, to, overwrite);
}

/** Options for {@linkcode deletePath}. */
export interface DeleteOptions {
  /** Delete a directory with everything in it. */
  recursive: boolean;
  /** Stops a recursive delete between entries. */
  signal?: AbortSignal;
}

/**
 * Deletes a file, a symlink (never its target) or a directory (empty, or everything in it when
 * `recursive`; symlinks inside are removed, not followed). Refuses `/` and the home directory.
 * Returns the number of entries removed.
 */
export async function deletePath(b: FileBackend, path: string, o: DeleteOptions): Promise<number> {
  const st = await b.lstat(path);
  if (!st) throw new FileError("delete", path, "no such file or directory", "not_found");
  if (st.type !== "dir") {
    await b.unlink(path);
    return 1;
  }
  const home = normalizePath(await b.home());
  const real = normalizePath(await b.realpath(path).catch(() => path));
  for (const p of [normalizePath(path), real]) {
    if (p === "/") throw new FileError("delete", path, "refusing to delete /");
    if (p === home) throw new FileError("delete", path, "refusing to delete the home directory");
  }
  if (!o.recursive) {
    try {
      await b.rmdir(path);
    } catch (err) {
      if ((await b.readdir(path).catch(() => [])).length > 0) {
        throw new FileError(
          "delete",
          path,
          "directory not empty; pass recursive=true to delete it with its contents (tier 3)",
          "other",
          { cause: err },
        );
      }
      throw err;
    }
    return 1;
  }
  return await removeTree(b, path, o.signal, 0);
}

async function removeTree(
  b: FileBackend,
  dir: string,
  signal: AbortSignal | undefined,
  depth: number,
): Promise<number> {
  if (depth > 256) throw new FileError("delete", dir, "tree deeper than 256 levels");
  let n = 0;
  for (const e of await b.readdir(dir)) {
    signal?.throwIfAborted();
    const p = joinPath(dir, e.name);
    if (e.stat.type === "dir") n += await removeTree(b, p, signal, depth + 1);
    else {
      await b.unlink(p);
      n++;
    }
  }
  await b.rmdir(dir);
  return n + 1;
}
