/**
 * The ssh2 data path of a transfer: one file's bytes through a pooled SFTP channel with many
 * requests in flight (pipelining) and the largest chunk the server allows (OpenSSH's
 * limits@openssh.com: 255 KiB). The source is hashed (SHA-256) in order while it is read, so
 * `verify` costs no second pass. Writes go to the caller's temporary name; nothing here renames.
 */
import { Buffer } from "node:buffer";
import type { Hash } from "node:crypto";
import { open as fsOpen } from "node:fs/promises";
import type { SftpClient } from "./sftp_client.ts";

/** Chunk size of one SFTP read or write (OpenSSH 9.x caps reads and writes at 255 KiB). */
export const SFTP_CHUNK = 255 * 1024;
/** SFTP requests kept in flight per file. */
export const SFTP_IN_FLIGHT = 64;

/** What a data mover needs besides the paths. */
export interface MoveOptions {
  /** Bytes expected (the source size when the transfer started). */
  size: number;
  /** Receives the source bytes, in order (when verifying). */
  hash?: Hash;
  /** Called with the bytes just moved. */
  onBytes: (n: number) => void;
  /** Stops the move; it then rejects with the abort reason. */
  signal: AbortSignal;
  /** Chunk size (default {@linkcode SFTP_CHUNK}). */
  chunk?: number;
  /** Requests in flight (default {@linkcode SFTP_IN_FLIGHT}). */
  inFlight?: number;
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** Uploads local `src` into the already created remote file `dest` (opened here for writing). */
export async function sftpPut(
  sftp: SftpClient,
  src: string,
  dest: string,
  o: MoveOptions,
): Promise<number> {
  const chunk = o.chunk ?? SFTP_CHUNK;
  const depth = o.inFlight ?? SFTP_IN_FLIGHT;
  const stop = aborted(o.signal);
  stop.catch(() => {});
  const file = await fsOpen(src, "r");
  const handle = await sftp.open(dest, "w", { mode: 0o600 });
  let total = 0;
  try {
    const pending = new Set<Promise<void>>();
    let failure: unknown;
    let position = 0;
    for (;;) {
      o.signal.throwIfAborted();
      if (failure) throw failure;
      const buf = Buffer.allocUnsafe(chunk);
      const { bytesRead } = await file.read(buf, 0, chunk, position);
      if (bytesRead === 0) break;
      const data = buf.subarray(0, bytesRead);
      o.hash?.update(data);
      const at = position;
      position += bytesRead;
      const p: Promise<void> = sftp.write(handle, data, at, dest).then(
        () => {
          pending.delete(p);
          total += bytesRead;
          o.onBytes(bytesRead);
        },
        (err) => {
          pending.delete(p);
          failure ??= err;
        },
      );
      pending.add(p);
      if (pending.size >= depth) await Promise.race([Promise.race(pending), stop]);
    }
    await Promise.race([Promise.all(pending), stop]);
    if (failure) throw failure;
    await sftp.fsync(handle, dest);
    return total;
  } finally {
    await file.close();
    await closeQuietly(sftp, handle, dest);
  }
}

/** Downloads remote `src` into the local file `dest` (created here, mode 0600). */
export async function sftpGet(
  sftp: SftpClient,
  src: string,
  dest: string,
  o: MoveOptions,
): Promise<number> {
  const chunk = o.chunk ?? SFTP_CHUNK;
  const depth = o.inFlight ?? SFTP_IN_FLIGHT;
  const stop = aborted(o.signal);
  stop.catch(() => {});
  const handle = await sftp.open(src, "r");
  const file = await fsOpen(dest, "wx", 0o600);
  let total = 0;
  try {
    // Reads are issued in order and written (and hashed) in order; a short read means EOF
    // unless the file grew, so keep reading until an empty read.
    type Slot = { at: number; p: Promise<Uint8Array> };
    const queue: Slot[] = [];
    let next = 0;
    let eof = false;
    const issue = () => {
      while (!eof && queue.length < depth) {
        const at = next;
        next += chunk;
        const p = sftp.read(handle, chunk, at, src);
        p.catch(() => {});
        queue.push({ at, p });
      }
    };
    // End of file: the reads still queued lie beyond it (they return empty); let them settle.
    const dropRest = async () => {
      eof = true;
      await Promise.allSettled(queue.map((q) => q.p));
      queue.length = 0;
    };
    const land = async (data: Uint8Array, at: number) => {
      o.hash?.update(data);
      await file.write(data, 0, data.length, at);
      total += data.length;
      o.onBytes(data.length);
    };
    issue();
    while (queue.length > 0) {
      o.signal.throwIfAborted();
      const slot = queue.shift()!;
      const data = await Promise.race([slot.p, stop]);
      if (data.length > 0) await land(data, slot.at);
      if (data.length < chunk) {
        if (data.length === 0 || slot.at + data.length >= o.size) {
          await dropRest();
          break;
        }
        // A short read inside the file (server limit): read the rest of this chunk in order.
        const rest = await readRange(sftp, handle, src, slot.at + data.length, slot.at + chunk, o);
        for (const part of rest) await land(part.data, part.at);
        if (rest.eof) {
          await dropRest();
          break;
        }
      }
      issue();
    }
    await file.sync();
    return total;
  } finally {
    await file.close();
    await closeQuietly(sftp, handle, src);
  }
}

async function readRange(
  sftp: SftpClient,
  handle: Buffer,
  path: string,
  from: number,
  to: number,
  o: MoveOptions,
): Promise<{ eof: boolean } & { [Symbol.iterator](): Iterator<{ at: number; data: Uint8Array }> }> {
  const parts: { at: number; data: Uint8Array }[] = [];
  let at = from;
  let eof = false;
  while (at < to) {
    o.signal.throwIfAborted();
    const data = await sftp.read(handle, to - at, at, path);
    if (data.length === 0) {
      eof = true;
      break;
    }
    parts.push({ at, data });
    at += data.length;
  }
  return Object.assign(parts, { eof });
}

async function closeQuietly(sftp: SftpClient, handle: Buffer, path: string): Promise<void> {
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      sftp.close(handle, path),
      new Promise((r) => (timer = setTimeout(r, 2000))),
    ]).finally(() => clearTimeout(timer));
  } catch { /* the channel may be gone; the handle dies with it */ }
}
