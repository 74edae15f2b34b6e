/**
 * One port forward. Local (-L) and dynamic (-D) forwards listen here and take a pooled
 * connection for each arriving client (so they re-dial on their own after a drop; the listener
 * stays up), pinning it while the tunnel channel is open so idle eviction leaves it alone. A
 * remote (-R) forward asks the server to listen on a pinned connection and dials the destination
 * from here for each channel; when that connection drops it reconnects with backoff and binds the
 * same port again (the port actually bound, also when 0 was asked). State: `active`,
 * `reconnecting` (the SSH connection dropped; retrying), `failed` (authentication or host key
 * refused: retrying cannot help; the listener is closed) or `closed`.
 */
import net from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "../../log/mod.ts";
import type { SshConnection } from "../connection.ts";
import { HostKeyError } from "../host_key_errors.ts";
import type { ResolvedTarget } from "../hosts/target.ts";
import type { AcquireOptions } from "../pool.ts";
import { SshAuthError, SshKeyError, SshUnsupportedError } from "../ssh_errors.ts";
import { socks5Handshake, SOCKS_REPLY, socksReply, socksReplyFor } from "./socks5.ts";
import { formatForwardSpec, type ForwardKind, type ForwardSpec } from "./spec.ts";
import { splice } from "./splice.ts";

/** Where a forward stands. */
export type ForwardState = "active" | "reconnecting" | "closed" | "failed";

/** The part of the pool a forward uses. */
export interface ForwardPool {
  /** A live connection to `target` (connecting, with the pool's backoff, when needed). */
  connection(target: ResolvedTarget, options?: AcquireOptions): Promise<SshConnection>;
}

/** What `ssh_forward_list` shows of a forward. */
export type ForwardInfo = {
  /** `fwd-N`. */
  id: string;
  /** `L`, `R` or `D`. */
  kind: ForwardKind;
  /** The host token it was opened for. */
  host: string;
  /** The normalized spec as asked (`L:127.0.0.1:0:db:5432`). */
  spec: string;
  /** The listen address (on this machine for L/D, on the remote host for R). */
  bind_address: string;
  /** The listen port actually bound. */
  bind_port: number;
  /** See {@linkcode ForwardState}. */
  state: ForwardState;
  /** Connections open now. */
  connections: number;
  /** Connections carried since it opened. */
  total_connections: number;
  /** Bytes toward the destination. */
  bytes_out: number;
  /** Bytes back from the destination. */
  bytes_in: number;
  /** The last error (dial, reconnect), or "". */
  last_error: string;
};

/** Options for {@linkcode Forward}. */
export interface ForwardOptions {
  /** `fwd-N`. */
  id: string;
  /** The resolved SSH target. */
  target: ResolvedTarget;
  /** The parsed spec. */
  spec: ForwardSpec;
  /** The connection pool. */
  pool: ForwardPool;
  /** Diagnostics. */
  logger?: Logger;
  /** First reconnect delay (default 250 ms; doubles up to 8 s). */
  retryDelayMs?: number;
}

const CONNECT_TIMEOUT_MS = 10_000;

/** Errors retrying cannot fix. */
function permanent(err: unknown): boolean {
  return err instanceof SshAuthError || err instanceof HostKeyError ||
    err instanceof SshKeyError || err instanceof SshUnsupportedError ||
    /the SSH pool is closed/.test((err as Error)?.message ?? "");
}

function message(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Waits for `p` at most `ms` (errors ignored). */
async function bounded(p: Promise<void>, ms = 2000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p.catch(() => {}), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** See the module comment. */
export class Forward {
  /** `fwd-N`. */
  readonly id: string;
  /** The resolved target. */
  readonly target: ResolvedTarget;
  /** The parsed spec. */
  readonly spec: ForwardSpec;
  #pool: ForwardPool;
  #log?: Logger;
  #retryMs: number;
  #state: ForwardState = "active";
  #lastError = "";
  #boundHost: string;
  #boundPort: number;
  #server: net.Server | undefined;
  #remote: { conn: SshConnection; cancel: () => Promise<void>; unpin: () => void } | undefined;
  #streams = new Set<Duplex>();
  #flows = new Set<Promise<void>>();
  #open = 0;
  #total = 0;
  #bytesOut = 0;
  #bytesIn = 0;
  #abort = new AbortController();
  #recovering = false;
  #watched = new WeakSet<SshConnection>();
  #counters = {
    out: (n: number) => (this.#bytesOut += n),
    in: (n: number) => (this.#bytesIn += n),
  };

  /** Builds a forward; nothing listens until {@linkcode start}. */
  constructor(options: ForwardOptions) {
    this.id = options.id;
    this.target = options.target;
    this.spec = options.spec;
    this.#pool = options.pool;
    this.#log = options.logger;
    this.#retryMs = options.retryDelayMs ?? 250;
    this.#boundHost = options.spec.bindHost;
    this.#boundPort = options.spec.bindPort;
  }

  /** Where it stands. */
  get state(): ForwardState {
    return this.#state;
  }

  /** A snapshot for listings. */
  info(): ForwardInfo {
    return {
      id: this.id,
      kind: this.spec.kind,
      host: this.target.token,
      spec: formatForwardSpec(this.spec),
      bind_address: this.#boundHost,
      bind_port: this.#boundPort,
      state: this.#state,
      connections: this.#open,
      total_connections: this.#total,
      bytes_out: this.#bytesOut,
      bytes_in: this.#bytesIn,
      last_error: this.#lastError,
    };
  }

  /** Connects (so a bad host fails the call) and listens; rejects without leaving anything open. */
  async start(signal?: AbortSignal): Promise<void> {
    const conn = await this.#pool.connection(this.target, { signal });
    if (this.spec.kind === "R") return await this.#bindRemote(conn);
    this.#watch(conn);
    await this.#listen();
  }

  async #listen(): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true }, (sock) => void this.#accept(sock));
    const host = this.spec.bindHost === "*"
      ? "0.0.0.0"
      : this.spec.bindHost === "localhost"
      ? "127.0.0.1"
      : this.spec.bindHost;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        reject(new Error(`Cannot listen on ${host}:${this.spec.bindPort}: ${message(err)}`));
      };
      server.once("error", onError);
      server.listen({ host, port: this.spec.bindPort }, () => {
        server.off("error", onError);
        resolve();
      });
    });
    server.on("error", (err) => (this.#lastError = `listener: ${message(err)}`));
    const addr = server.address() as net.AddressInfo;
    this.#boundHost = addr.address;
    this.#boundPort = addr.port;
    this.#server = server;
  }

  #flow(p: Promise<void>): Promise<void> {
    this.#flows.add(p);
    return p.finally(() => this.#flows.delete(p));
  }

  #track(s: Duplex): void {
    this.#streams.add(s);
    s.once("close", () => this.#streams.delete(s));
  }

  async #accept(sock: net.Socket): Promise<void> {
    sock.on("error", () => {});
    if (this.#state === "closed" || this.#state === "failed") return void sock.destroy();
    sock.setNoDelay(true);
    this.#track(sock);
    this.#open++;
    this.#total++;
    try {
      let dest = { host: this.spec.destHost, port: this.spec.destPort };
      let rest: Uint8Array | undefined;
      if (this.spec.kind === "D") {
        try {
          const hs = await socks5Handshake(sock);
          dest = { host: hs.request.host, port: hs.request.port };
          rest = hs.rest;
        } catch {
          sock.end();
          return;
        }
      }
      let conn: SshConnection;
      let ch: Duplex;
      let unpin: () => void;
      try {
        conn = await this.#pool.connection(this.target, { signal: this.#abort.signal });
        unpin = conn.pin();
        try {
          ch = await conn.forwardOut(dest.host, dest.port);
        } catch (err) {
          unpin();
          throw err;
        }
      } catch (err) {
        this.#dialFailed(err, dest);
        if (this.spec.kind === "D") sock.end(socksReply(socksReplyFor(err)));
        else sock.destroy();
        return;
      }
      this.#watch(conn);
      if (this.spec.kind === "D") sock.write(socksReply(SOCKS_REPLY.SUCCEEDED));
      this.#track(ch);
      if (sock.destroyed) ch.destroy();
      else await this.#flow(splice(sock, ch, this.#counters, rest));
      unpin();
    } finally {
      this.#open--;
    }
  }

  #dialFailed(err: unknown, dest: { host: string; port: number }): void {
    if (this.#state === "closed") return;
    const tunnel = (err as Error)?.name === "SshChannelError";
    this.#lastError = tunnel ? `to ${dest.host}:${dest.port}: ${message(err)}` : message(err);
    this.#log?.debug("forward dial failed", { id: this.id, error: this.#lastError });
    // A refused destination says nothing about the SSH connection; anything else does.
    if (!tunnel) void this.#recover(this.#lastError, err);
  }

  /** Re-dials when a connection this forward used is lost (not closed by relay-shell itself). */
  #watch(conn: SshConnection): void {
    if (this.#watched.has(conn)) return;
    this.#watched.add(conn);
    conn.closed.then(() => {
      const lost = conn.lostError().message;
      if (this.#state !== "active" || /closed by relay-shell/.test(lost)) return;
      void this.#recover(lost);
    });
  }

  async #bindRemote(conn: SshConnection): Promise<void> {
    const unpin = conn.pin();
    try {
      const lost = conn.closed.then(() => Promise.reject(conn.lostError()));
      lost.catch(() => {});
      const r = await Promise.race([
        conn.forwardIn(
          this.spec.bindHost,
          this.#boundPort,
          (_info, accept, reject) => this.#incoming(accept, reject),
        ),
        lost,
      ]);
      if (this.#state === "closed") {
        await r.cancel();
        unpin();
        return;
      }
      this.#boundPort = r.port;
      this.#remote = { conn, cancel: r.cancel, unpin };
      conn.closed.then(() => {
        if (this.#remote?.conn !== conn) return;
        this.#remote = undefined;
        unpin();
        if (this.#state === "active") void this.#recover(conn.lostError().message);
      });
    } catch (err) {
      unpin();
      throw err;
    }
  }

  #incoming(accept: () => Duplex, reject: () => void): void {
    if (this.#state === "closed" || this.#state === "failed") return reject();
    this.#open++;
    this.#total++;
    const sock = net.connect({
      host: this.spec.destHost,
      port: this.spec.destPort,
      allowHalfOpen: true,
    });
    sock.setTimeout(CONNECT_TIMEOUT_MS, () => sock.destroy(new Error("connect timed out")));
    let connected = false;
    sock.on("error", (err) => {
      if (connected) return;
      connected = true;
      this.#lastError = `to ${this.spec.destHost}:${this.spec.destPort}: ${message(err)}`;
      this.#open--;
      reject();
    });
    sock.once("connect", async () => {
      if (connected) return;
      connected = true;
      sock.setTimeout(0);
      sock.setNoDelay(true);
      if (this.#state === "closed") {
        sock.destroy();
        this.#open--;
        return reject();
      }
      const ch = accept();
      this.#track(sock);
      this.#track(ch);
      try {
        await this.#flow(splice(ch, sock, this.#counters));
      } finally {
        this.#open--;
      }
    });
  }

  /** Reconnects with backoff until it works, the error is permanent, or the forward closes. */
  async #recover(reason: string, cause?: unknown): Promise<void> {
    if (this.#recovering || this.#state !== "active") return;
    this.#recovering = true;
    this.#state = "reconnecting";
    this.#lastError = reason;
    this.#log?.info("forward reconnecting", { id: this.id, host: this.target.token, reason });
    const signal = this.#abort.signal;
    let delay = this.#retryMs;
    let err: unknown = cause;
    try {
      while (!signal.aborted) {
        if (err !== undefined && permanent(err)) {
          this.#state = "failed";
          this.#lastError = message(err);
          this.#log?.warn("forward failed", { id: this.id, error: this.#lastError });
          await this.#teardown();
          return;
        }
        try {
          const conn = await this.#pool.connection(this.target, { signal });
          if (this.spec.kind === "R") await this.#bindRemote(conn);
          else this.#watch(conn);
          if (signal.aborted) return;
          this.#state = "active";
          this.#log?.info("forward active again", { id: this.id, host: this.target.token });
          return;
        } catch (e) {
          if (signal.aborted) return;
          err = e;
          this.#lastError = message(e);
        }
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 8000);
      }
    } finally {
      this.#recovering = false;
    }
  }

  async #teardown(): Promise<void> {
    this.#abort.abort();
    const server = this.#server;
    this.#server = undefined;
    for (const s of [...this.#streams]) s.destroy();
    const remote = this.#remote;
    this.#remote = undefined;
    await Promise.all([
      server ? bounded(new Promise<void>((r) => server.close(() => r()))) : undefined,
      remote ? bounded(remote.cancel()).finally(() => remote.unpin()) : undefined,
      bounded(Promise.all(this.#flows).then(() => {})),
    ]);
  }

  /** Stops listening, ends every connection it carries, cancels a remote listen. */
  async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    await this.#teardown();
  }
}
