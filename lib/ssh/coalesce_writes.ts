/**
 * Joins the writes ssh2 makes within one turn of the event loop into one write on the socket.
 *
 * ssh2 hands every encrypted packet to the socket in three or four pieces (length, payload,
 * MAC or tag), and the socket, with Nagle off as it must be, sends each piece as its own TCP
 * segment: twelve `sendto` calls for the four packets of one exec, each waking the peer. Under a
 * jump host it is worse: every piece becomes its own channel-data packet on the outer
 * connection. Writes made in the same synchronous run are therefore queued and sent together
 * from a microtask, so nothing waits for a timer and the order of bytes is unchanged. A large
 * backlog is sent at once, `end()` sends what is queued first, and `destroy()` drops it as a
 * stream's own buffer would be dropped.
 */
import { Buffer } from "node:buffer";
import type { Duplex } from "node:stream";

/** Queued bytes that are written at once rather than at the end of the turn. */
export const COALESCE_FLUSH_BYTES = 256 * 1024;

type WriteFn = Duplex["write"];
type EndFn = Duplex["end"];

/** Makes `sock` join the writes of one synchronous run into one; returns `sock`. */
export function coalesceWrites<T extends Duplex>(stream: T): T {
  const sock: Duplex = stream;
  const write = sock.write.bind(sock) as (chunk: Uint8Array) => boolean;
  const writeAny = sock.write.bind(sock) as (...args: unknown[]) => boolean;
  const end = sock.end.bind(sock) as (...args: unknown[]) => Duplex;
  let pending: Uint8Array[] = [];
  let bytes = 0;
  let scheduled = false;

  const flush = (): boolean => {
    scheduled = false;
    if (pending.length === 0) return true;
    const data = pending.length === 1 ? pending[0] : Buffer.concat(pending, bytes);
    pending = [];
    bytes = 0;
    if (sock.destroyed || sock.writableEnded) return false;
    try {
      return write(data);
    } catch (err) {
      sock.destroy(err as Error);
      return false;
    }
  };

  sock.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
    if (!(chunk instanceof Uint8Array) || rest.length > 0) {
      // Strings, encodings and callbacks: in order, after what is queued.
      flush();
      return writeAny(chunk, ...rest);
    }
    if (chunk.length === 0) return true;
    pending.push(chunk);
    bytes += chunk.length;
    if (bytes >= COALESCE_FLUSH_BYTES) return flush();
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
    return sock.writableLength + bytes < sock.writableHighWaterMark;
  }) as WriteFn;

  sock.end = ((...args: unknown[]) => {
    flush();
    return end(...args);
  }) as EndFn;

  sock.once("close", () => {
    pending = [];
    bytes = 0;
  });
  return stream;
}
