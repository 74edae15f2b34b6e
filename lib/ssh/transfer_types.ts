/**
 * The types of a transfer (options, progress, result, the partial-failure error) and the path
 * rules shared by upload and download: local paths relative to the server's working directory
 * with `~` as the local home; remote paths relative to the login directory with `~` expanded
 * through realpath(".").
 */
import { absolutePath } from "../util/paths.ts";
import type { ProcessGroups } from "../exec/process_groups.ts";
import type { ResolvedTarget } from "./hosts/target.ts";
import type { SshPool } from "./pool.ts";
import type { SftpClient } from "./sftp_client.ts";
import type { SkippedEntry } from "./transfer_plan.ts";

/** Which data path moves file bytes. */
export type TransferEngineName = "auto" | "ssh2" | "openssh";
/** The engines that can move a file. */
export const TRANSFER_ENGINES = ["auto", "ssh2", "openssh"] as const;

/** Progress of a running transfer. */
export interface TransferProgress {
  /** Bytes moved so far. */
  bytes: number;
  /** Bytes of all files. */
  totalBytes: number;
  /** Files completed. */
  files: number;
  /** Files to transfer. */
  totalFiles: number;
  /** The file being moved (source path). */
  current: string;
}

/** Options for `sshUpload` and `sshDownload`. */
export interface TransferOptions {
  /** The pool to take the connection from. */
  pool: SshPool;
  /** The host. */
  target: ResolvedTarget;
  /** Local path (relative to `cwd`; `~/` is the local home). */
  localPath: string;
  /** Remote path (relative to the login directory; `~/` expands through realpath(".")). */
  remotePath: string;
  /** Copy a directory tree. */
  recursive?: boolean;
  /** Keep mode and times (default true). */
  preserve?: boolean;
  /** Replace existing files (default true). */
  overwrite?: boolean;
  /** Compare SHA-256 of source and destination of every file. */
  verify?: boolean;
  /** Wall-clock limit in ms; 0 or absent = none. */
  timeoutMs?: number;
  /** Cancels the transfer (the partial file is removed). */
  signal?: AbortSignal;
  /** At most every `progressIntervalMs`. */
  onProgress?: (p: TransferProgress) => void;
  /** Minimum time between progress calls (default 250 ms). */
  progressIntervalMs?: number;
  /** Engine (default auto). */
  engine?: TransferEngineName;
  /** In auto, files at least this big use OpenSSH (default 4 MiB; its start costs a handshake). */
  openSshMinBytes?: number;
  /** The `ssh` binary (default: found on PATH; null = none). */
  sshPath?: string | null;
  /** Base for relative local paths (default Deno.cwd()). */
  cwd?: string;
  /** SFTP chunk size (ssh2 engine). */
  chunk?: number;
  /** SFTP requests in flight per file (ssh2 engine). */
  inFlight?: number;
  /** Registers the OpenSSH engine's children (killed on server shutdown). */
  groups?: ProcessGroups;
}

/** One file transferred. */
export interface TransferredFile {
  /** Destination path. */
  path: string;
  /** Bytes. */
  bytes: number;
  /** `ssh2` or `openssh`. */
  engine: "ssh2" | "openssh";
  /** SHA-256 (hex) of source and destination, when verified. */
  sha256?: string;
}

/** A finished transfer. */
export interface TransferResult {
  /** Source root. */
  source: string;
  /** Destination root. */
  destination: string;
  /** Files transferred. */
  files: number;
  /** Bytes transferred. */
  bytes: number;
  /** Entries left out. */
  skipped: SkippedEntry[];
  /** Directories created or reused. */
  dirs: number;
  /** Wall time. */
  durationMs: number;
  /** Bytes per second over the whole transfer. */
  bytesPerSecond: number;
  /** Every file, in order. */
  done: TransferredFile[];
  /** Engines that moved bytes. */
  engines: string[];
  /** Every file was verified. */
  verified: boolean;
}

/** A transfer that stopped part-way: what was and was not transferred. */
export class TransferError extends Error {
  /** Files transferred before the failure. */
  readonly done: TransferredFile[];
  /** Bytes of those files. */
  readonly bytes: number;
  /** The entry that failed (source path) and why; null when stopped between files. */
  readonly failed: { path: string; reason: string } | null;
  /** Source paths of the files not attempted (the failed one excluded). */
  readonly notAttempted: string[];
  /** Entries skipped (symlinks, special files). */
  readonly skipped: SkippedEntry[];
  /** The timeout fired. */
  readonly timedOut: boolean;
  /** Cancelled by the caller. */
  readonly cancelled: boolean;
  /** Builds the error; `message` summarises. */
  constructor(
    message: string,
    fields: {
      done: TransferredFile[];
      failed: { path: string; reason: string } | null;
      notAttempted: string[];
      skipped: SkippedEntry[];
      timedOut?: boolean;
      cancelled?: boolean;
      cause?: unknown;
    },
  ) {
    super(message, { cause: fields.cause });
    this.name = "TransferError";
    this.done = fields.done;
    this.bytes = fields.done.reduce((n, f) => n + f.bytes, 0);
    this.failed = fields.failed;
    this.notAttempted = fields.notAttempted;
    this.skipped = fields.skipped;
    this.timedOut = fields.timedOut ?? false;
    this.cancelled = fields.cancelled ?? false;
  }
}

/** Expands `~` and makes a local path absolute. */
export function resolveLocalPath(path: string, cwd = Deno.cwd()): string {
  const out = absolutePath(path, Deno.env.get("HOME") || "/", cwd, "local_path");
  return path.endsWith("/") && out !== "/" ? `${out}/` : out;
}

/** Expands `~` (realpath(".")) and makes a remote path absolute, as the file tools do. */
export async function resolveRemotePath(sftp: SftpClient, path: string): Promise<string> {
  const home = path.startsWith("/") ? "/" : await sftp.realpath(".");
  const out = absolutePath(path, home, home, "remote_path");
  return path.endsWith("/") && out !== "/" ? `${out}/` : out;
}
