/**
 * {@linkcode FileBackend} on a host, over one SFTP channel ({@linkcode SftpClient}). `~` and
 * relative paths resolve against the login directory (`realpath(".")`).
 */
import { Buffer } from "node:buffer";
import { type SftpClient, SftpError, type Ssh2SftpStats } from "../ssh/mod.ts";
import {
  absolutePath,
  type DirEntry,
  type FileBackend,
  FileError,
  type FileStat,
  type FileWriter,
  type OpenWriteOptions,
  statFromMode,
} from "./backend.ts";

/** SFTP reads are issued in pieces of this size (OpenSSH's sftp-server caps a read at 256 KiB). */
const READ_CHUNK = 64 * 1024;
/** SFTP writes are issued in pieces of this size. */
const WRITE_CHUNK = 32 * 1024;

function toStat(s: Ssh2SftpStats): FileStat {
  return statFromMode(s.mode ?? 0, s.size ?? 0, (s.mtime ?? 0) * 1000);
}

/** Turns an SftpError into a FileError (anything else, e.g. a lost connection, passes through). */
function remoteError(op: string, path: string, err: unknown): unknown {
  if (!(err instanceof SftpError)) return err;
  const kind = err.notFound ? "not_found" : err.denied ? "denied" : "other";
  // SftpError reads "<op> <path>: <reason>"; keep the reason.
  const at = err.message.indexOf(`${err.path}: `);
  const reason = at >= 0 ? err.message.slice(at + err.path.length + 2) : err.message;
  return new FileError(op, path, reason, kind, { cause: err });
}

async function wrap<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw remoteError(op, path, err);
  }
}

/** A host reached over SFTP. */
export class SftpFileBackend implements FileBackend {
  /** The host's name, for messages. */
  readonly where: string;
  #sftp: SftpClient;
  #home?: string;

  /** Wraps an open SFTP client; `where` names the host. */
  constructor(sftp: SftpClient, where: string) {
    this.#sftp = sftp;
    this.where = where;
  }

  /** The login directory. */
  async home(): Promise<string> {
    this.#home ??= await wrap("realpath", ".", () => this.#sftp.realpath("."));
    return this.#home;
  }
  /** See {@linkcode FileBackend.resolve}. */
  async resolve(path: string): Promise<string> {
    if (path.startsWith("/")) return absolutePath(path, "/", "/");
    const home = await this.home();
    return absolutePath(path, home, home);
  }
  /** See {@linkcode FileBackend.lstat}. */
  lstat(path: string): Promise<FileStat | null> {
    return wrap("lstat", path, async () => {
      const s = await this.#sftp.lstatOrNull(path);
      return s ? toStat(s) : null;
    });
  }
  /** See {@linkcode FileBackend.stat}. */
  stat(path: string): Promise<FileStat | null> {
    return wrap("stat", path, async () => {
      try {
        return toStat(await this.#sftp.stat(path));
      } catch (err) {
        if (err instanceof SftpError && err.notFound) return null;
        throw err;
      }
    });
  }
  /** See {@linkcode FileBackend.readdir}. */
  readdir(path: string): Promise<DirEntry[]> {
    return wrap(
      "list",
      path,
      async () =>
        (await this.#sftp.readdir(path)).map((e) => ({ name: e.filename, stat: toStat(e.attrs) })),
    );
  }
  /** See {@linkcode FileBackend.readlink}. */
  readlink(path: string): Promise<string> {
    return wrap("readlink", path, () => this.#sftp.readlink(path));
  }
  /** See {@linkcode FileBackend.realpath}. */
  realpath(path: string): Promise<string> {
    return wrap("realpath", path, () => this.#sftp.realpath(path));
  }
  /** See {@linkcode FileBackend.readAt}. */
  readAt(path: string, offset: number, length: number) {
    return wrap("read", path, async () => {
      const s = this.#sftp;
      const h = await s.open(path, "r");
      try {
        const size = (await s.fstat(h, path)).size ?? 0;
        // Not bounded by the size: /proc files report 0 and still have content.
        const want = Math.max(0, length);
        const out = new Uint8Array(want);
        let got = 0;
        while (got < want) {
          const piece = await s.read(h, Math.min(READ_CHUNK, want - got), offset + got, path);
          if (piece.length === 0) break;
          out.set(piece, got);
          got += piece.length;
        }
        return { data: out.subarray(0, got), size };
      } finally {
        await s.close(h, path).catch(() => {});
      }
    });
  }
  /** See {@linkcode FileBackend.openWrite}. */
  async openWrite(path: string, options: OpenWriteOptions): Promise<FileWriter> {
    const s = this.#sftp;
    const append = options.how === "append";
    const h: Buffer = await wrap(
      "open",
      path,
      () => s.open(path, append ? "a" : "wx", { mode: options.mode }),
    );
    let pos = append ? (await wrap("fstat", path, () => s.fstat(h, path))).size ?? 0 : 0;
    return {
      write: (data) =>
        wrap("write", path, async () => {
          for (let i = 0; i < data.length; i += WRITE_CHUNK) {
            const piece = data.subarray(i, i + WRITE_CHUNK);
            // ssh2 insists on a Buffer (a view, no copy).
            await s.write(h, Buffer.from(piece.buffer, piece.byteOffset, piece.length), pos, path);
            pos += piece.length;
          }
        }),
      sync: () => wrap("fsync", path, () => s.fsync(h, path)),
      close: () => wrap("close", path, () => s.close(h, path)),
    };
  }
  /** See {@linkcode FileBackend.rename}. */
  rename(from: string, to: string, replace: boolean): Promise<void> {
    return wrap("move", from, async () => {
      // A plain SFTP rename refuses an existing target on OpenSSH; check anyway for other servers.
      if (!replace && await this.#sftp.lstatOrNull(to)) {
        throw new FileError("move", to, "already exists", "exists");
      }
      await this.#sftp.rename(from, to, replace);
    });
  }
  /** See {@linkcode FileBackend.mkdir}. */
  mkdir(path: string, mode: number): Promise<void> {
    return wrap("mkdir", path, () => this.#sftp.mkdir(path, mode));
  }
  /** See {@linkcode FileBackend.unlink}. */
  unlink(path: string): Promise<void> {
    return wrap("delete", path, () => this.#sftp.unlink(path));
  }
  /** See {@linkcode FileBackend.rmdir}. */
  rmdir(path: string): Promise<void> {
    return wrap("delete", path, () => this.#sftp.rmdir(path));
  }
  /** See {@linkcode FileBackend.chmod}. */
  chmod(path: string, mode: number): Promise<void> {
    return wrap("chmod", path, () => this.#sftp.chmod(path, mode));
  }
}
