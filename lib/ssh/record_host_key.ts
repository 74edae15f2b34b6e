/**
 * Trust on first use: appends a host key to a user known_hosts file as OpenSSH writes it
 * (`host keytype base64` on port 22, `[host]:port keytype base64` otherwise, or a `|1|` hashed
 * name), creating the directory 0700 and the file 0600 when missing. An exclusive file lock plus
 * an in-process queue per file keep concurrent connects from interleaving or duplicating lines,
 * and the file is re-read under the lock so a key recorded meanwhile is seen.
 */
import { dirname } from "node:path";
import { encodeBase64, fingerprintSha256 } from "./fingerprint.ts";
import type { KnownKeyRef, MismatchReason } from "./host_key_errors.ts";
import {
  classifyHostKey,
  defaultKnownHostsStore,
  type HostKeyStatus,
  keyTypeOf,
  type KnownHostsStore,
} from "./known_hosts.ts";
import { hashHostName, knownHostsName, parseKnownHosts } from "./known_hosts_file.ts";

/** Options for {@linkcode recordHostKey}. */
export interface RecordHostKeyOptions {
  /** Host as looked up (HostKeyAlias or HostName). */
  readonly host: string;
  /** Port (default 22). */
  readonly port?: number;
  /** The key blob to record. */
  readonly key: Uint8Array;
  /** The user known_hosts file to append to. */
  readonly file: string;
  /** Write the host name hashed (`HashKnownHosts yes`). */
  readonly hash?: boolean;
  /** Parse cache to invalidate after writing. */
  readonly store?: KnownHostsStore;
}

/** What {@linkcode recordHostKey} did. */
export interface RecordHostKeyResult {
  /** A line was appended. */
  readonly recorded: boolean;
  /** The file's status for the key before any write (only `unknown` leads to a write). */
  readonly status: HostKeyStatus;
  /** For `mismatch`: why. */
  readonly reason?: MismatchReason;
  /** The appended line's reference, or the entries behind `status`. */
  readonly known: readonly KnownKeyRef[];
}

const queues = new Map<string, Promise<unknown>>();

/** Runs `task` after every earlier task queued for `key` in this process. */
async function serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
  const prev = queues.get(key) ?? Promise.resolve();
  const run = prev.then(task, task);
  const tail = run.then(() => {}, () => {});
  queues.set(key, tail);
  try {
    return await run;
  } finally {
    if (queues.get(key) === tail) queues.delete(key);
  }
}

async function ensureDir(dir: string): Promise<void> {
  try {
    await Deno.stat(dir);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}

/**
 * Appends the key for `host`/`port` unless the file already holds it; never writes when the
 * file knows the host with another key (the status says why). Throws on I/O errors.
 */
export function recordHostKey(options: RecordHostKeyOptions): Promise<RecordHostKeyResult> {
  const keyType = keyTypeOf(options.key);
  const name = knownHostsName(options.host, options.port ?? 22);
  return serialize(options.file, async () => {
    await ensureDir(dirname(options.file));
    const fh = await Deno.open(options.file, {
      read: true,
      append: true,
      create: true,
      mode: 0o600,
    });
    try {
      await fh.lock(true);
      try {
        const text = await Deno.readTextFile(options.file);
        const { entries } = parseKnownHosts(text, options.file);
        const before = classifyHostKey(entries, { name, keyType, key: options.key });
        if (before.status !== "unknown") return { recorded: false, ...before };
        const hostField = options.hash ? hashHostName(name) : name;
        const line = `${hostField} ${keyType} ${encodeBase64(options.key)}\n`;
        const needsNewline = text.length > 0 && !text.endsWith("\n");
        await writeAll(fh, new TextEncoder().encode((needsNewline ? "\n" : "") + line));
        await fh.syncData();
        const lineNo = (text.match(/\n/g)?.length ?? 0) + (needsNewline ? 1 : 0) + 1;
        (options.store ?? defaultKnownHostsStore).invalidate(options.file);
        return {
          recorded: true,
          status: "unknown" as const,
          known: [{
            file: options.file,
            line: lineNo,
            keyType,
            fingerprint: fingerprintSha256(options.key),
          }],
        };
      } finally {
        await fh.unlock();
      }
    } finally {
      fh.close();
    }
  });
}
