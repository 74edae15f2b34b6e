/** {@linkcode FileBackend} on this machine, through Deno's file APIs. */
import {
  absolutePath,
  type DirEntry,
  type FileBackend,
  FileError,
  type FileErrorKind,
  type FileStat,
  type FileWriter,
  joinPath,
  type OpenWriteOptions,
} from "./backend.ts";

/** Turns a Deno error into a {@linkcode FileError} naming `op` and `path`. */
export function localError(op: string, path: string, err: unknown): FileError {
  if (err instanceof FileError) return err;
  let kind: FileErrorKind = "other";
  let reason: string;
  if (err instanceof Deno.errors.NotFound) {
    [kind, reason] = ["not_found", "no such file or directory"];
  } else if (err instanceof Deno.errors.PermissionDenied) {
    [kind, reason] = ["denied", "permission denied"];
  } else if (err instanceof Deno.errors.AlreadyExists) {
    [kind, reason] = ["exists", "already exists"];
  } else if (err instanceof Deno.errors.NotADirectory) reason = "not a directory";
  else if (err instanceof Deno.errors.IsADirectory) reason = "is a directory";
  else {
    const msg = err instanceof Error ? err.message : String(err);
    // "Directory not empty (os error 39): remove '/x'" -> "directory not empty (os error 39)"
    reason = msg.replace(/:\s*\w+ '.*$/s, "").trim() || "failed";
    reason = reason[0].toLowerCase() + reason.slice(1);
  }
  return new FileError(op, path, reason, kind, { cause: err });
}

async function wrap<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw localError(op, path, err);
  }
}

function toStat(i: Deno.FileInfo): FileStat {
  const type = i.isSymlink ? "symlink" : i.isDirectory ? "dir" : i.isFile ? "file" : "other";
  return { type, size: i.size, mode: (i.mode ?? 0) & 0o7777, mtimeMs: i.mtime?.getTime() ?? 0 };
}

async function orNull<T>(op: string, path: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw localError(op, path, err);
  }
}

/** The local machine: `~` is `$HOME`, relative paths are against the server's cwd. */
export class LocalFileBackend implements FileBackend {
  /** Always `local`. */
  readonly where = "local";
  #home?: string;

  /** `options.home` replaces `$HOME` (tests). */
  constructor(options: { home?: string } = {}) {
    this.#home = options.home;
  }

  /** The home directory: `$HOME` (or `/` without one). */
  home(): Promise<string> {
    return Promise.resolve(this.#home ?? (Deno.env.get("HOME") || "/"));
  }
  /** See {@linkcode FileBackend.resolve}. */
  async resolve(path: string): Promise<string> {
    return absolutePath(path, await this.home(), Deno.cwd());
  }
  /** See {@linkcode FileBackend.lstat}. */
  lstat(path: string): Promise<FileStat | null> {
    return orNull("lstat", path, async () => toStat(await Deno.lstat(path)));
  }
  /** See {@linkcode FileBackend.stat}. */
  stat(path: string): Promise<FileStat | null> {
    return orNull("stat", path, async () => toStat(await Deno.stat(path)));
  }
  /** See {@linkcode FileBackend.readdir}. */
  readdir(path: string): Promise<DirEntry[]> {
    return wrap("list", path, async () => {
      const out: DirEntry[] = [];
      for await (const e of Deno.readDir(path)) {
        const st = await orNull(
          "lstat",
          joinPath(path, e.name),
          () => Deno.lstat(joinPath(path, e.name)),
        );
        if (st) out.push({ name: e.name, stat: toStat(st) });
      }
      return out;
    });
  }
  /** See {@linkcode FileBackend.readlink}. */
  readlink(path: string): Promise<string> {
    return wrap("readlink", path, () => Deno.readLink(path));
  }
  /** See {@linkcode FileBackend.realpath}. */
  realpath(path: string): Promise<string> {
    return wrap("realpath", path, () => Deno.realPath(path));
  }
  /** See {@linkcode FileBackend.readAt}. */
  readAt(path: string, offset: number, length: number) {
    return wrap("read", path, async () => {
      using f = await Deno.open(path, { read: true });
      const size = (await f.stat()).size;
      // Not bounded by the size: /proc files report 0 and still have content.
      const data = new Uint8Array(Math.max(0, length));
      await f.seek(offset, Deno.SeekMode.Start);
      let got = 0;
      while (got < data.length) {
        const n = await f.read(data.subarray(got));
        if (n === null || n === 0) break;
        got += n;
      }
      return { data: data.subarray(0, got), size };
    });
  }
  /** See {@linkcode FileBackend.openWrite}. */
  async openWrite(path: string, options: OpenWriteOptions): Promise<FileWriter> {
    const f = await wrap("open", path, () =>
      Deno.open(path, {
        write: true,
        append: options.how === "append",
        create: options.how === "append",
        createNew: options.how === "create",
        mode: options.mode,
      }));
    return {
      write: (data) =>
        wrap("write", path, async () => {
          let done = 0;
          while (done < data.length) done += await f.write(data.subarray(done));
        }),
      sync: () => wrap("fsync", path, () => f.sync()),
      close: () => Promise.resolve(f.close()),
    };
  }
  /** See {@linkcode FileBackend.rename}. */
  rename(from: string, to: string, replace: boolean): Promise<void> {
    return wrap("move", from, async () => {
      // Deno.rename always replaces: check first (best effort; a racing creator can still lose).
      if (!replace && await orNull("lstat", to, () => Deno.lstat(to))) {
        throw new FileError("move", to, "already exists", "exists");
      }
      await Deno.rename(from, to);
    });
  }
  /** See {@linkcode FileBackend.mkdir}. */
  mkdir(path: string, mode: number): Promise<void> {
    return wrap("mkdir", path, () => Deno.mkdir(path, { mode }));
  }
  /** See {@linkcode FileBackend.unlink}. */
  unlink(path: string): Promise<void> {
    return wrap("delete", path, () => Deno.remove(path));
  }
  /** See {@linkcode FileBackend.rmdir}. */
  rmdir(path: string): Promise<void> {
    return wrap("delete", path, () => Deno.remove(path));
  }
  /** See {@linkcode FileBackend.chmod}. */
  chmod(path: string, mode: number): Promise<void> {
    return wrap("chmod", path, () => Deno.chmod(path, mode));
  }
}
