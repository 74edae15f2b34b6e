/**
 * The typed facade over `npm:ssh2` (which ships no types): the client, its channels, parsed keys
 * and agents, with only the parts relay-shell uses. Every other production file reaches ssh2
 * through here. Private to lib/ssh.
 */
import type { Buffer } from "node:buffer";
import type { Duplex } from "node:stream";
import ssh2 from "ssh2";

/** A key parsed by ssh2 (private or public). */
export interface Ssh2ParsedKey {
  /** Key type (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, …). */
  readonly type: string;
  /** The comment stored with the key. */
  readonly comment: string;
  /** The public key blob. */
  getPublicSSH(): Buffer;
  /** Signs `data`; an Error when the key cannot sign (see NOTES: some ECDSA keys under Deno). */
  sign(data: Uint8Array, algo?: string): Buffer | Error;
  /** True for a private key. */
  isPrivateKey(): boolean;
}

/** What ssh2's `exit` event reports. */
export type Ssh2ExitArgs = [
  code: number | null,
  signal?: string,
  coreDumped?: boolean,
  desc?: string,
];

/** A client-side session or direct-tcpip channel (a Node duplex stream). */
export interface Ssh2Channel extends Duplex {
  /** The stderr stream of an exec/shell channel. */
  readonly stderr: Duplex;
  /** Channel state as ssh2 tracks it (`open`, `eof`, `closing`, `closed`). */
  readonly outgoing: { state: string; id: number };
  /** Closes the channel (SSH_MSG_CHANNEL_CLOSE). */
  close(): void;
  /** Sends a window-change request. */
  setWindow(rows: number, cols: number, height: number, width: number): void;
}

/** Terminal settings for a pty request. */
export interface Ssh2PtyOptions {
  /** TERM value. */
  term: string;
  /** Columns. */
  cols: number;
  /** Rows. */
  rows: number;
  /** Pixel width (0). */
  width?: number;
  /** Pixel height (0). */
  height?: number;
}

/** The parts of ssh2's `connect()` configuration relay-shell sets. */
export interface Ssh2ConnectConfig {
  /** An already connected transport (TCP socket or a forwarded channel). */
  sock: Duplex;
  /** Remote user. */
  username: string;
  /** Host-key callback `(key, verify)`. */
  hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => void;
  /** Chooses each authentication attempt. */
  authHandler: (
    methodsLeft: string[] | null,
    partialSuccess: boolean | null,
    next: (auth: Ssh2AuthAttempt | false) => void,
  ) => void;
  /** Milliseconds for handshake plus authentication (0 = none). */
  readyTimeout: number;
  /** Milliseconds between keepalives (0 = off). */
  keepaliveInterval: number;
  /** Unanswered keepalives before the connection is dropped. */
  keepaliveCountMax: number;
  /** Algorithm lists. */
  algorithms: { compress: string[]; serverHostKey?: string[] };
  /** Identification string suffix. */
  ident?: string;
}

/** One authentication attempt handed to ssh2. */
export type Ssh2AuthAttempt =
  | { type: "none"; username: string }
  | { type: "password"; username: string; password: string }
  | { type: "publickey"; username: string; key: Ssh2ParsedKey }
  | { type: "agent"; username: string; agent: Ssh2Agent }
  | {
    type: "keyboard-interactive";
    username: string;
    prompt: (
      name: string,
      instructions: string,
      lang: string,
      prompts: { prompt: string; echo: boolean }[],
      finish: (answers: string[]) => void,
    ) => void;
  };

/** An ssh2 agent object (opaque here). */
export interface Ssh2Agent {
  /** Lists the agent's keys. */
  getIdentities(cb: (err: Error | null, keys?: unknown[]) => void): void;
}

/** An error ssh2 emitted; `level` says where it came from. */
export type Ssh2Error = Error & { level?: string; code?: string };

/** The ssh2 client parts relay-shell uses. */
export interface Ssh2Client {
  /** Starts the handshake over `config.sock`. */
  connect(config: Ssh2ConnectConfig): void;
  /** Events. */
  on(event: "ready" | "close" | "end", cb: () => void): this;
  /** Errors (some are not fatal during authentication; see connect.ts). */
  on(event: "error", cb: (err: Ssh2Error) => void): this;
  /** Removes every listener of an event. */
  removeAllListeners(event?: string): this;
  /** Opens an exec channel. */
  exec(
    command: string,
    options: { pty?: Ssh2PtyOptions | false },
    cb: (err: Error | undefined, channel: Ssh2Channel) => void,
  ): this;
  /** Opens a shell channel with a pty. */
  shell(
    window: Ssh2PtyOptions,
    options: Record<string, never>,
    cb: (err: Error | undefined, channel: Ssh2Channel) => void,
  ): this;
  /** Opens a direct-tcpip channel (ssh -W / jump hosts / -L). */
  forwardOut(
    srcIP: string,
    srcPort: number,
    dstIP: string,
    dstPort: number,
    cb: (err: Error | undefined, channel: Ssh2Channel) => void,
  ): this;
  /** Sends disconnect and ends the socket. */
  end(): this;
  /** Destroys the socket. */
  destroy(): this;
}

interface Ssh2Module {
  Client: new () => Ssh2Client;
  OpenSSHAgent: new (socketPath: string) => Ssh2Agent;
  utils: { parseKey(data: string | Uint8Array, passphrase?: string): Ssh2ParsedKey | Error };
}

const SSH2 = ssh2 as unknown as Ssh2Module;

/** A new, unconnected ssh2 client. */
export function newSsh2Client(): Ssh2Client {
  return new SSH2.Client();
}

/** Parses a private or public key (OpenSSH, PEM, PPK, or `type base64` text); an Error if it cannot. */
export function parseSsh2Key(
  data: string | Uint8Array,
  passphrase?: string,
): Ssh2ParsedKey | Error {
  const r = SSH2.utils.parseKey(data, passphrase) as Ssh2ParsedKey | Ssh2ParsedKey[] | Error;
  return Array.isArray(r) ? r[0] : r;
}

/**
 * An agent on a unix socket. With `allowed`, only the agent's keys whose public blob is in it are
 * offered (IdentitiesOnly: agent keys that match the configured identity files).
 */
export function openSshAgent(socketPath: string, allowed?: readonly Uint8Array[]): Ssh2Agent {
  if (!allowed) return new SSH2.OpenSSHAgent(socketPath);
  const Base = SSH2.OpenSSHAgent;
  const keep = allowed.map((b) => b.join(","));
  class FilteredAgent extends Base {
    override getIdentities(cb: (err: Error | null, keys?: unknown[]) => void): void {
      super.getIdentities((err, keys) => {
        if (err || !keys) return cb(err);
        cb(
          null,
          keys.filter((k) => {
            const p = parseSsh2Key(k as Uint8Array);
            return !(p instanceof Error) && keep.includes([...p.getPublicSSH()].join(","));
          }),
        );
      });
    }
  }
  return new FilteredAgent(socketPath);
}

/**
 * Sends a signal request on a session channel. ssh2's `channel.signal()` refuses once stdin is
 * closed (EOF sent); the protocol allows it until the channel closes, so this goes one level down.
 */
export function signalChannel(channel: Ssh2Channel, name: string): boolean {
  const state = channel.outgoing?.state;
  if (state !== "open" && state !== "eof") return false;
  // deno-lint-ignore no-explicit-any
  const proto = (channel as any)._client?._protocol;
  if (!proto || typeof proto.signal !== "function") return false;
  try {
    proto.signal(channel.outgoing.id, name.replace(/^SIG/, ""));
    return true;
  } catch {
    return false;
  }
}
