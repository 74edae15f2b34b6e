/**
 * Joins two byte streams (a client socket and a tunnel channel) both ways, with half-close
 * passed through, bytes counted in each direction, and both ends torn down once either side is
 * gone for good.
 */
import type { Duplex } from "node:stream";

/** Byte counters for {@linkcode splice}. */
export interface SpliceCounters {
  /** Bytes from `client` toward `remote`. */
  out(n: number): void;
  /** Bytes from `remote` back to `client`. */
  in(n: number): void;
}

/** How long a client may keep its side open after the remote end closed (ms). */
const LINGER_MS = 2000;

/**
 * Pipes `client` ⇄ `remote` (after writing `head`, bytes the client sent early, to `remote`).
 * Resolves once both streams have closed.
 */
export function splice(
  client: Duplex,
  remote: Duplex,
  counters: SpliceCounters,
  head?: Uint8Array,
): Promise<void> {
  return new Promise<void>((resolve) => {
    let closed = 0;
    let linger: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      if (++closed < 2) return;
      clearTimeout(linger);
      resolve();
    };
    client.on("error", () => remote.destroy());
    remote.on("error", () => client.destroy());
    client.once("close", () => {
      if (!remote.destroyed) remote.destroy();
      // An ssh2 channel reports close only once its output was read: drain what is left.
      remote.unpipe(client);
      remote.resume();
      done();
    });
    remote.once("close", () => {
      client.unpipe(remote);
      client.resume();
      if (!client.destroyed) {
        client.end();
        linger = setTimeout(() => client.destroy(), LINGER_MS);
      }
      done();
    });
    client.on("data", (c: Uint8Array) => counters.out(c.length));
    remote.on("data", (c: Uint8Array) => counters.in(c.length));
    if (head && head.length) {
      counters.out(head.length);
      remote.write(head);
    }
    client.pipe(remote);
    remote.pipe(client);
  });
}
