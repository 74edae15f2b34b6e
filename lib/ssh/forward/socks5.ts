/**
 * The server side of a SOCKS5 handshake (RFC 1928), for dynamic forwards: the no-authentication
 * method only, the CONNECT command only, destinations as IPv4, IPv6 or a domain name (resolved on
 * the far side of the tunnel, as `curl --socks5-hostname` expects). Failures are answered with
 * the proper reply code before the client socket is ended: 0x07 command not supported, 0x08
 * address type not supported, and for a failed dial 0x05 refused, 0x04 host unreachable, 0x02 not
 * allowed (the server refused the tunnel) or 0x01 general failure (no SSH connection).
 */
import { Buffer } from "node:buffer";
import type { Duplex } from "node:stream";
import { formatIPv6 } from "../../policy/mod.ts";

/** SOCKS5 reply codes (RFC 1928 §6). */
export const SOCKS_REPLY = {
  SUCCEEDED: 0x00,
  GENERAL_FAILURE: 0x01,
  NOT_ALLOWED: 0x02,
  NETWORK_UNREACHABLE: 0x03,
  HOST_UNREACHABLE: 0x04,
  CONNECTION_REFUSED: 0x05,
  TTL_EXPIRED: 0x06,
  COMMAND_NOT_SUPPORTED: 0x07,
  ADDRESS_TYPE_NOT_SUPPORTED: 0x08,
} as const;

/** A CONNECT request as the client sent it. */
export interface SocksRequest {
  /** Address type: 1 IPv4, 3 domain name, 4 IPv6. */
  readonly atyp: 1 | 3 | 4;
  /** Destination (dotted quad, RFC 5952 IPv6 text, or the domain name). */
  readonly host: string;
  /** Destination port. */
  readonly port: number;
}

/** A handshake that ended with a refusal (already answered) or a protocol error. */
export class SocksProtocolError extends Error {
  /** The reply code sent to the client, or null when no reply could be sent. */
  readonly reply: number | null;
  /** Builds the error. */
  constructor(message: string, reply: number | null) {
    super(message);
    this.name = "SocksProtocolError";
    this.reply = reply;
  }
}

/** The reply for a request: `code`, with an all-zero IPv4 bound address. */
export function socksReply(code: number): Uint8Array {
  return Uint8Array.of(0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0);
}

/** The reply code for an error met while dialling the destination through the tunnel. */
export function socksReplyFor(err: unknown): number {
  const e = err as {
    name?: string;
    message?: string;
    cause?: { reason?: number; message?: string };
  };
  const text = `${e?.message ?? ""} ${e?.cause?.message ?? ""}`;
  if (e?.name === "SshChannelError") {
    if (e.cause?.reason === 1 || /prohibited/i.test(text)) return SOCKS_REPLY.NOT_ALLOWED;
    if (/refused/i.test(text)) return SOCKS_REPLY.CONNECTION_REFUSED;
    if (/network is unreachable/i.test(text)) return SOCKS_REPLY.NETWORK_UNREACHABLE;
    if (/timed out/i.test(text)) return SOCKS_REPLY.TTL_EXPIRED;
    return SOCKS_REPLY.HOST_UNREACHABLE;
  }
  return SOCKS_REPLY.GENERAL_FAILURE;
}

/** Buffers a socket's bytes until the handshake has what it needs. */
class Reader {
  #buf = Buffer.alloc(0);
  #wake: (() => void) | null = null;
  #ended = false;
  #socket: Duplex;
  #onData = (chunk: Buffer) => {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    this.#wake?.();
  };
  #onEnd = () => {
    this.#ended = true;
    this.#wake?.();
  };

  constructor(socket: Duplex) {
    this.#socket = socket;
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("close", this.#onEnd);
  }

  async take(n: number, signal: AbortSignal): Promise<Buffer> {
    while (this.#buf.length < n) {
      if (this.#ended) throw new SocksProtocolError("client closed during the handshake", null);
      signal.throwIfAborted();
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener("abort", done);
          resolve();
        };
        this.#wake = done;
        signal.addEventListener("abort", done, { once: true });
      });
      this.#wake = null;
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /** Stops reading; returns bytes that arrived after the handshake. */
  detach(): Buffer {
    this.#socket.pause();
    this.#socket.off("data", this.#onData);
    this.#socket.off("end", this.#onEnd);
    this.#socket.off("close", this.#onEnd);
    return this.#buf;
  }
}

/** Options for {@linkcode socks5Handshake}. */
export interface Socks5HandshakeOptions {
  /** Gives up on a client that stalls (default 30 s). */
  timeoutMs?: number;
}

/**
 * Reads the greeting and the request from `socket` and answers the method selection. On a
 * CONNECT request it resolves with the request and any bytes the client already sent after it
 * (the socket is paused; reply with {@linkcode socksReply} once the dial is done). Anything else
 * is answered with its reply code and rejects with a {@linkcode SocksProtocolError}; the caller
 * ends the socket.
 */
export async function socks5Handshake(
  socket: Duplex,
  options: Socks5HandshakeOptions = {},
): Promise<{ request: SocksRequest; rest: Uint8Array }> {
  const reader = new Reader(socket);
  const stall = new AbortController();
  const timer = setTimeout(() => stall.abort(), options.timeoutMs ?? 30_000);
  const signal = stall.signal;
  const refuse = (why: string, code: number | null): never => {
    if (code !== null) socket.write(socksReply(code));
    throw new SocksProtocolError(why, code);
  };
  try {
    const [ver, nmethods] = await reader.take(2, signal);
    if (ver !== 0x05) refuse(`not SOCKS5 (version byte ${ver})`, null);
    const methods = await reader.take(nmethods, signal);
    if (!methods.includes(0x00)) {
      socket.write(Uint8Array.of(0x05, 0xff));
      refuse("the client offers no method without authentication", null);
    }
    socket.write(Uint8Array.of(0x05, 0x00));
    const [v2, cmd, _rsv, atyp] = await reader.take(4, signal);
    if (v2 !== 0x05) refuse(`bad request version ${v2}`, SOCKS_REPLY.GENERAL_FAILURE);
    let host: string;
    if (atyp === 0x01) {
      host = [...await reader.take(4, signal)].join(".");
    } else if (atyp === 0x04) {
      const b = await reader.take(16, signal);
      const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
      host = formatIPv6(groups);
    } else if (atyp === 0x03) {
      const [len] = await reader.take(1, signal);
      host = (await reader.take(len, signal)).toString("latin1");
      if (len === 0 || !/^[A-Za-z0-9_.-]+$/.test(host)) {
        refuse("bad domain name", SOCKS_REPLY.HOST_UNREACHABLE);
      }
    } else {
      return refuse(`address type ${atyp} not supported`, SOCKS_REPLY.ADDRESS_TYPE_NOT_SUPPORTED);
    }
    const port = (await reader.take(2, signal)).readUInt16BE(0);
    if (cmd !== 0x01) {
      refuse(`command ${cmd} not supported (CONNECT only)`, SOCKS_REPLY.COMMAND_NOT_SUPPORTED);
    }
    return { request: { atyp: atyp as 1 | 3 | 4, host, port }, rest: reader.detach() };
  } catch (err) {
    reader.detach();
    if (err instanceof SocksProtocolError) throw err;
    throw new SocksProtocolError(
      signal.aborted ? "the client stalled during the handshake" : (err as Error).message,
      null,
    );
  } finally {
    clearTimeout(timer);
  }
}
