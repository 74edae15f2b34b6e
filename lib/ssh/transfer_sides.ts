/**
 * The destination side of a transfer, local or remote, behind one small interface so upload and
 * download share the atomic-write logic: temporary name, attributes, (non-)replacing rename,
 * unlink, and the destination's SHA-256 for `verify`.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { open as fsOpen } from "node:fs/promises";
import { basename, dirname } from "node:path/posix";
import type { SshPool } from "./pool.ts";
import type { ResolvedTarget } from "./hosts/target.ts";
import { shellQuote } from "./remote_command.ts";
import { sshExec } from "./remote_exec.ts";
import { type SftpClient, SftpError } from "./sftp_client.ts";

/** Attributes set on a written file before it is renamed into place. */
export interface DestAttrs {
  /** Permission bits. */
  mode: number;
  /** Access and modification times (seconds), when preserved. */
  times?: { atime: number; mtime: number };
}

/** One side files are written to. */
export interface DestSide {
  /** `dir`, `file` (anything else counts as file), or null when absent. */
  kind(path: string): Promise<{ dir: boolean; mode: number } | null>;
  /** Creates one directory (fine if it is a directory already). */
  mkdir(path: string, mode: number): Promise<void>;
  /** Creates the directory and its missing parents. */
  mkdirp(path: string): Promise<void>;
  /** Sets mode and times. */
  setAttrs(path: string, attrs: DestAttrs): Promise<void>;
  /** Renames `from` onto `to`; without `replace` it fails if `to` exists. */
  rename(from: string, to: string, replace: boolean): Promise<void>;
  /** Removes a file (errors ignored). */
  unlinkQuietly(path: string): Promise<void>;
  /** SHA-256 (hex) of a file. */
  sha256(path: string, signal: AbortSignal): Promise<string>;
}

/** `<dir>/.<name>.relay-<random>.part`. */
export function partName(path: string): string {
  const rand = crypto.getRandomValues(new Uint8Array(6));
  const hex = [...rand].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${dirname(path)}/.${basename(path)}.relay-${hex}.part`;
}

/** Streams a local file through SHA-256. */
export async function sha256Local(path: string, signal?: AbortSignal): Promise<string> {
  const h = createHash("sha256");
  const f = await fsOpen(path, "r");
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await f.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await f.close();
  }
  return h.digest("hex");
}

/** The local filesystem. */
export const localSide: DestSide = {
  async kind(path) {
    try {
      const st = await Deno.stat(path);
      return { dir: st.isDirectory, mode: (st.mode ?? 0o644) & 0o7777 };
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return null;
      throw err;
    }
  },
  async mkdir(path, mode) {
    try {
      await Deno.mkdir(path, { mode });
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists && (await Deno.stat(path)).isDirectory) return;
      throw err;
    }
  },
  mkdirp: (path) => Deno.mkdir(path, { recursive: true }),
  async setAttrs(path, a) {
    await Deno.chmod(path, a.mode);
    if (a.times) await Deno.utime(path, a.times.atime, a.times.mtime);
  },
  async rename(from, to, replace) {
    if (replace) return await Deno.rename(from, to);
    // link(2) never replaces: the non-replacing rename.
    await Deno.link(from, to);
    await Deno.remove(from);
  },
  async unlinkQuietly(path) {
    await Deno.remove(path).catch(() => {});
  },
  sha256: (path, signal) => sha256Local(path, signal),
};

const HASH_SCRIPT = (path: string) =>
  `f=${
    shellQuote(path)
  }; if command -v sha256sum >/dev/null 2>&1; then sha256sum < "$f"; elif command -v shasum >/dev/null 2>&1; then shasum -a 256 < "$f"; elif command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 < "$f"; else echo relay-shell-no-hash; fi`;

/** A remote host over SFTP (and exec for hashing). */
export function remoteSide(sftp: SftpClient, pool: SshPool, target: ResolvedTarget): DestSide {
  let execHash = target.shell === "posix";
  const readBack = async (path: string, signal: AbortSignal) => {
    const h = createHash("sha256");
    const handle = await sftp.open(path, "r");
    try {
      let at = 0;
      for (;;) {
        signal.throwIfAborted();
        const data = await sftp.read(handle, 255 * 1024, at, path);
        if (data.length === 0) break;
        h.update(data);
        at += data.length;
      }
    } finally {
      await sftp.close(handle, path).catch(() => {});
    }
    return h.digest("hex");
  };
  return {
    async kind(path) {
      try {
        const st = await sftp.stat(path);
        return { dir: st.isDirectory(), mode: (st.mode ?? 0o644) & 0o7777 };
      } catch (err) {
        if (err instanceof SftpError && err.notFound) return null;
        throw err;
      }
    },
    async mkdir(path, mode) {
      try {
        await sftp.mkdir(path, mode);
      } catch (err) {
        const st = await sftp.stat(path).catch(() => null);
        if (st?.isDirectory()) return;
        throw err;
      }
    },
    async mkdirp(path) {
      await sftp.mkdirp(path);
    },
    async setAttrs(path, a) {
      await sftp.setstat(path, a.times ? { mode: a.mode, ...a.times } : { mode: a.mode });
    },
    rename: (from, to, replace) => sftp.rename(from, to, replace),
    async unlinkQuietly(path) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        sftp.unlink(path).catch(() => {}),
        new Promise((r) => (timer = setTimeout(r, 5000))),
      ]).finally(() => clearTimeout(timer));
    },
    async sha256(path, signal) {
      if (execHash) {
        const r = await sshExec(target, {
          pool,
          command: HASH_SCRIPT(path),
          timeoutMs: 600_000,
          maxOutput: 4096,
          signal,
        });
        const m = /\b([0-9a-f]{64})\b/.exec(r.stdout.text);
        if (r.exitCode === 0 && m) return m[1];
        if (/relay-shell-no-hash/.test(r.stdout.text)) execHash = false;
        else throw new Error(`hash ${path}: ${r.stdout.text.trim() || `exit ${r.exitCode}`}`);
      }
      return await readBack(path, signal);
    },
  };
}
