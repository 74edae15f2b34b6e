/**
 * File and tree transfers over a pooled SSH connection: {@linkcode sshUpload} and
 * {@linkcode sshDownload}. Every file is written to `<dir>/.<name>.relay-<random>.part`, synced,
 * given its mode and times (`preserve`), checked (`verify`: the source's SHA-256, computed while
 * reading, against the written file's) and then renamed into place — replacing atomically, or
 * with a non-replacing rename when `overwrite` is false (also checked before anything moves).
 * Trees are walked with lstat: symlinks and special files are skipped and listed. The first
 * failure stops the transfer and {@linkcode TransferError} says what was transferred, which
 * entry failed and why, and what was not attempted; a cancel or timeout removes the partial file.
 * The bytes move through SFTP (ssh2, pipelined) or the system OpenSSH client (see
 * transfer_openssh.ts), chosen per file; all the rest is the same for both.
 */
import { createHash } from "node:crypto";
import { basename, dirname, join as posixJoin } from "node:path/posix";
import { type SftpClient, SftpError, withSftp } from "./sftp_client.ts";
import { findSshBinary, OpenSshEngine, openSshUnsupported } from "./transfer_openssh.ts";
import {
  joinRel,
  type PlanEntry,
  type TransferPlan,
  walkLocal,
  walkRemote,
} from "./transfer_plan.ts";
import { type DestSide, localSide, partName, remoteSide, sha256Local } from "./transfer_sides.ts";
import { type MoveOptions, sftpGet, sftpPut } from "./transfer_sftp_io.ts";
import {
  resolveLocalPath,
  resolveRemotePath,
  TransferError,
  type TransferOptions,
  type TransferredFile,
  type TransferResult,
} from "./transfer_types.ts";

/** Uploads a local file or tree to the target. */
export function sshUpload(options: TransferOptions): Promise<TransferResult> {
  return transfer("upload", options);
}

/** Downloads a remote file or tree from the target. */
export function sshDownload(options: TransferOptions): Promise<TransferResult> {
  return transfer("download", options);
}

type Direction = "upload" | "download";

async function transfer(direction: Direction, o: TransferOptions): Promise<TransferResult> {
  const started = performance.now();
  const ctl = new AbortController();
  const onOuter = () => ctl.abort(o.signal!.reason);
  o.signal?.throwIfAborted();
  o.signal?.addEventListener("abort", onOuter, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (o.timeoutMs && o.timeoutMs > 0) {
    timer = setTimeout(
      () => ctl.abort(new DOMException("transfer timed out", "TimeoutError")),
      o.timeoutMs,
    );
  }
  const localPath = resolveLocalPath(o.localPath, o.cwd);
  let engine: OpenSshEngine | undefined;
  try {
    return await withSftp(o.pool, o.target, async (sftp) => {
      const remotePath = await resolveRemotePath(sftp, o.remotePath);
      const run = new Run(direction, o, sftp, ctl.signal, started);
      try {
        return await run.go(localPath, remotePath);
      } finally {
        engine = run.openssh;
      }
    }, { timeoutMs: o.target.connectTimeout * 1000 });
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener("abort", onOuter);
    await engine?.dispose();
  }
}

class Run {
  readonly #dir: Direction;
  readonly #o: TransferOptions;
  readonly #sftp: SftpClient;
  readonly #signal: AbortSignal;
  readonly #started: number;
  readonly #dest: DestSide;
  readonly #remote: DestSide;
  openssh: OpenSshEngine | undefined;
  #opensshWhy: string | null | undefined;
  #done: TransferredFile[] = [];
  #bytes = 0;
  #lastProgress = 0;

  constructor(
    dir: Direction,
    o: TransferOptions,
    sftp: SftpClient,
    signal: AbortSignal,
    t0: number,
  ) {
    this.#dir = dir;
    this.#o = o;
    this.#sftp = sftp;
    this.#signal = signal;
    this.#started = t0;
    this.#remote = remoteSide(sftp, o.pool, o.target);
    this.#dest = dir === "upload" ? this.#remote : localSide;
  }

  async go(localPath: string, remotePath: string): Promise<TransferResult> {
    const up = this.#dir === "upload";
    const recursive = this.#o.recursive ?? false;
    const src = (up ? localPath : remotePath).replace(/(.)\/+$/, "$1");
    const destGiven = up ? remotePath : localPath;
    const plan = up
      ? await walkLocal(src, recursive).catch((err) => rethrowLocal(err, "local_path", src))
      : await walkRemote(this.#sftp, src, recursive).catch((err) => {
        if (err instanceof SftpError && (err.notFound || err.denied) && err.path === src) {
          throw new TypeError(
            `remote_path: ${src}: ${err.notFound ? "does not exist" : "permission denied"}`,
          );
        }
        throw err;
      });
    const destArg = up ? "remote_path" : "local_path";
    let destRoot = destGiven.replace(/(.)\/+$/, "$1");
    const rootKind = await this.#dest.kind(destRoot);
    if (plan.entries[0].kind === "file") {
      if (rootKind?.dir || destGiven.endsWith("/")) destRoot = posixJoin(destRoot, basename(src));
    } else if (rootKind && !rootKind.dir) {
      throw new TypeError(`${destArg}: ${destRoot} exists and is not a directory`);
    }
    const overwrite = this.#o.overwrite ?? true;
    if (!overwrite) await this.#refuseExisting(plan, destRoot, destArg);
    await this.#dest.mkdirp(dirname(destRoot)).catch((err) => {
      throw new TransferError(`Cannot create ${dirname(destRoot)}: ${reason(err)}`, {
        done: [],
        failed: { path: dirname(destRoot), reason: reason(err) },
        notAttempted: plan.entries.filter((e) => e.kind === "file").map((e) => joinRel(src, e.rel)),
        skipped: plan.skipped,
        cause: err,
      });
    });
    const preserve = this.#o.preserve ?? true;
    const dirs: { path: string; e: PlanEntry }[] = [];
    for (let i = 0; i < plan.entries.length; i++) {
      const e = plan.entries[i];
      const from = joinRel(src, e.rel);
      const to = joinRel(destRoot, e.rel);
      try {
        this.#signal.throwIfAborted();
        if (e.kind === "dir") {
          await this.#dest.mkdir(to, preserve ? e.mode | 0o700 : 0o755);
          dirs.push({ path: to, e });
        } else {
          await this.#file(from, to, e, preserve, overwrite, plan);
        }
      } catch (err) {
        throw this.#partial(err, from, plan, i, src);
      }
    }
    if (preserve) {
      // Directory modes and times last (children change a directory's mtime), deepest first.
      for (const { path, e } of dirs.reverse()) {
        await this.#dest.setAttrs(path, { mode: e.mode, times: { atime: e.atime, mtime: e.mtime } })
          .catch(() => {});
      }
    }
    const durationMs = Math.round(performance.now() - this.#started);
    this.#progress(plan, "", true);
    return {
      source: src,
      destination: destRoot,
      files: this.#done.length,
      bytes: this.#bytes,
      skipped: plan.skipped,
      dirs: dirs.length,
      durationMs,
      bytesPerSecond: durationMs > 0 ? Math.round(this.#bytes / (durationMs / 1000)) : 0,
      done: this.#done,
      engines: [...new Set(this.#done.map((d) => d.engine))],
      verified: (this.#o.verify ?? false) && this.#done.length > 0,
    };
  }

  async #refuseExisting(plan: TransferPlan, destRoot: string, destArg: string): Promise<void> {
    const files = plan.entries.filter((e) => e.kind === "file");
    const existing: string[] = [];
    for (let i = 0; i < files.length; i += 32) {
      const batch = files.slice(i, i + 32).map((e) => joinRel(destRoot, e.rel));
      const kinds = await Promise.all(batch.map((p) => this.#dest.kind(p)));
      kinds.forEach((k, j) => k && existing.push(batch[j]));
    }
    if (existing.length > 0) {
      throw new TypeError(
        `${destArg}: ${existing.length} destination file(s) exist and overwrite is false (first: ${
          existing[0]
        }); pass overwrite: true or choose another path`,
      );
    }
  }

  async #engineFor(size: number): Promise<"ssh2" | "openssh"> {
    const want = this.#o.engine ?? "auto";
    if (want === "ssh2") return "ssh2";
    if (want === "auto" && size < (this.#o.openSshMinBytes ?? 4 * 1024 * 1024)) return "ssh2";
    if (this.#opensshWhy === undefined) {
      const ssh = this.#o.sshPath === undefined ? findSshBinary() : this.#o.sshPath;
      this.#opensshWhy = ssh ? openSshUnsupported(this.#sftp.connection) : "no ssh binary found";
      if (!this.#opensshWhy && ssh) {
        this.openssh = await OpenSshEngine.create(
          this.#sftp.connection,
          this.#o.pool,
          ssh,
          this.#o.groups,
        );
      }
    }
    if (this.#opensshWhy) {
      if (want === "openssh") {
        throw new Error(`Cannot use the OpenSSH transfer engine: ${this.#opensshWhy}`);
      }
      return "ssh2";
    }
    return "openssh";
  }

  async #file(
    from: string,
    to: string,
    e: PlanEntry,
    preserve: boolean,
    overwrite: boolean,
    plan: TransferPlan,
  ): Promise<void> {
    const existing = await this.#dest.kind(to);
    if (existing?.dir) throw new Error(`${to} is a directory`);
    const engine = await this.#engineFor(e.size);
    const tmp = partName(to);
    const hash = createHash("sha256");
    let fileBytes = 0;
    const mo: MoveOptions = {
      size: e.size,
      hash,
      signal: this.#signal,
      chunk: this.#o.chunk,
      inFlight: this.#o.inFlight,
      onBytes: (n) => {
        fileBytes += n;
        this.#bytes += n;
        this.#progress(plan, from, false);
      },
    };
    const up = this.#dir === "upload";
    const verify = this.#o.verify ?? false;
    try {
      let n: number;
      let digest = "";
      if (engine === "openssh") {
        // The system client reads or writes the file itself; the source is hashed separately
        // (locally while it is sent; remotely by sha256sum once it has been read).
        const localHash = verify && up ? sha256Local(from, this.#signal) : null;
        localHash?.catch(() => {});
        const om = {
          size: e.size,
          signal: this.#signal,
          onBytes: mo.onBytes,
          sizeOf: up
            ? async () => (await this.#sftp.stat(tmp)).size ?? 0
            : async () => (await Deno.stat(tmp)).size,
        };
        n = up ? await this.openssh!.put(from, tmp, om) : await this.openssh!.get(from, tmp, om);
        if (up) await this.#fsyncRemote(tmp);
        else await fsyncLocal(tmp);
        if (verify) digest = up ? await localHash! : await this.#remote.sha256(from, this.#signal);
      } else {
        if (!verify) delete mo.hash;
        n = up
          ? await sftpPut(this.#sftp, from, tmp, mo)
          : await sftpGet(this.#sftp, from, tmp, mo);
        if (verify) digest = hash.digest("hex");
      }
      if (this.#o.verify) {
        const other = await this.#dest.sha256(tmp, this.#signal);
        if (other !== digest) {
          throw new Error(
            `verify failed: SHA-256 of ${to} (${other.slice(0, 16)}…) differs from the source (${
              digest.slice(0, 16)
            }…)`,
          );
        }
      }
      this.#signal.throwIfAborted();
      await this.#dest.setAttrs(tmp, {
        mode: preserve ? e.mode : existing?.mode ?? 0o644,
        times: preserve ? { atime: e.atime, mtime: e.mtime } : undefined,
      });
      await this.#dest.rename(tmp, to, overwrite);
      this.#done.push({ path: to, bytes: n, engine, sha256: verify ? digest : undefined });
    } catch (err) {
      this.#bytes -= fileBytes;
      await this.#dest.unlinkQuietly(tmp);
      throw err;
    }
  }

  async #fsyncRemote(path: string): Promise<void> {
    const h = await this.#sftp.open(path, "r+");
    try {
      await this.#sftp.fsync(h, path);
    } finally {
      await this.#sftp.close(h, path).catch(() => {});
    }
  }

  #progress(plan: TransferPlan, current: string, final: boolean): void {
    const cb = this.#o.onProgress;
    if (!cb) return;
    const now = performance.now();
    if (!final && now - this.#lastProgress < (this.#o.progressIntervalMs ?? 250)) return;
    this.#lastProgress = now;
    cb({
      bytes: this.#bytes,
      totalBytes: plan.totalBytes,
      files: this.#done.length,
      totalFiles: plan.totalFiles,
      current,
    });
  }

  #partial(err: unknown, from: string, plan: TransferPlan, index: number, src: string) {
    const timedOut = this.#signal.aborted &&
      (this.#signal.reason as Error)?.name === "TimeoutError";
    const cancelled = this.#signal.aborted && !timedOut;
    const notAttempted = plan.entries.slice(index + 1).filter((e) => e.kind === "file").map((e) =>
      joinRel(src, e.rel)
    );
    const failed = {
      path: from,
      reason: timedOut ? "timed out" : cancelled ? "cancelled" : reason(err),
    };
    const what = timedOut ? "timed out" : cancelled ? "was cancelled" : "failed";
    return new TransferError(
      `${this.#dir === "upload" ? "Upload" : "Download"} ${what} at ${from}: ${failed.reason}`,
      {
        done: [...this.#done],
        failed,
        notAttempted,
        skipped: plan.skipped,
        timedOut,
        cancelled,
        cause: err,
      },
    );
  }
}

async function fsyncLocal(path: string): Promise<void> {
  const f = await Deno.open(path, { read: true });
  try {
    await f.sync();
  } finally {
    f.close();
  }
}

function reason(err: unknown): string {
  const msg = (err as Error)?.message ?? String(err);
  if (err instanceof Deno.errors.PermissionDenied) return `permission denied (${msg})`;
  return msg;
}

function rethrowLocal(err: unknown, arg: string, path: string): never {
  if (err instanceof Deno.errors.NotFound) {
    throw new TypeError(`${arg}: ${path} does not exist`);
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    throw new TypeError(`${arg}: ${path}: permission denied`);
  }
  throw err;
}
