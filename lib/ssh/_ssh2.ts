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

/** SFTP attributes as ssh2 reports and accepts them (times in seconds). */
export interface Ssh2SftpAttrs {
  /** Mode bits including the file type. */
  mode?: number;
  /** Owner. */
  uid?: number;
  /** Group. */
  gid?: number;
  /** Size in bytes. */
  size?: number;
  /** Access time (s). */
  atime?: number;
  /** Modification time (s). */
  mtime?: number;
}

/** Stats returned by stat/lstat/fstat. */
export interface Ssh2SftpStats extends Ssh2SftpAttrs {
  /** True for a directory. */
  isDirectory(): boolean;
  /** True for a regular file. */
  isFile(): boolean;
  /** True for a symbolic link (lstat only). */
  isSymbolicLink(): boolean;
}

/** One entry of a directory listing. */
export interface Ssh2SftpDirEntry {
  /** Entry name (no path). */
  filename: string;
  /** `ls -l` style line from the server. */
  longname: string;
  /** Its attributes (lstat semantics). */
  attrs: Ssh2SftpStats;
}

/** SFTP errors carry the status code (2 = no such file, 3 = permission denied, 4 = failure). */
export type Ssh2SftpError = Error & { code?: number };

type Cb = (err: Ssh2SftpError | undefined) => void;
type CbV<T> = (err: Ssh2SftpError | undefined, value: T) => void;

/** The SFTP client (subsystem channel) parts relay-shell uses. Handles are opaque buffers. */
export interface Ssh2Sftp {
  /** Opens a file; `flags` as fs flags (`r`, `w`, `wx`, `a`, `r+`). */
  open(path: string, flags: string, attrs: Ssh2SftpAttrs, cb: CbV<Buffer>): void;
  /** Closes a handle. */
  close(handle: Buffer, cb: Cb): void;
  /** Reads up to `len` bytes at `position` into `buf[off..]`; bytesRead 0 at end of file. */
  read(
    handle: Buffer,
    buf: Uint8Array,
    off: number,
    len: number,
    position: number,
    cb: (err: Ssh2SftpError | undefined, bytesRead: number) => void,
  ): void;
  /** Writes `buf[off..off+len]` at `position`. */
  write(handle: Buffer, buf: Uint8Array, off: number, len: number, position: number, cb: Cb): void;
  /** stat of an open handle. */
  fstat(handle: Buffer, cb: CbV<Ssh2SftpStats>): void;
  /** stat (follows symlinks). */
  stat(path: string, cb: CbV<Ssh2SftpStats>): void;
  /** lstat (does not follow). */
  lstat(path: string, cb: CbV<Ssh2SftpStats>): void;
  /** Sets attributes by path. */
  setstat(path: string, attrs: Ssh2SftpAttrs, cb: Cb): void;
  /** Sets attributes on a handle. */
  fsetstat(handle: Buffer, attrs: Ssh2SftpAttrs, cb: Cb): void;
  /** Lists a directory (every entry, `.` and `..` included when the server sends them). */
  readdir(path: string, cb: CbV<Ssh2SftpDirEntry[]>): void;
  /** Removes a file or symlink. */
  unlink(path: string, cb: Cb): void;
  /** Renames (fails if the target exists, per SFTP v3). */
  rename(from: string, to: string, cb: Cb): void;
  /** posix-rename@openssh.com: replaces the target atomically. */
  ext_openssh_rename(from: string, to: string, cb: Cb): void;
  /** fsync@openssh.com. */
  ext_openssh_fsync(handle: Buffer, cb: Cb): void;
  /** Creates a directory. */
  mkdir(path: string, attrs: Ssh2SftpAttrs, cb: Cb): void;
  /** Removes an empty directory. */
  rmdir(path: string, cb: Cb): void;
  /** Reads a symlink's target. */
  readlink(path: string, cb: CbV<string>): void;
  /** Creates a symlink (OpenSSH's argument order quirk is handled by ssh2). */
  symlink(target: string, linkPath: string, cb: Cb): void;
  /** Canonical absolute path (`.` gives the login directory). */
  realpath(path: string, cb: CbV<string>): void;
  /** Ends the SFTP channel. */
  end(): void;
  /** Events: `close` when the channel is gone. */
  on(event: "close" | "end", cb: () => void): this;
  /** Errors (reported through calls; a listener keeps them from being thrown). */
  on(event: "error", cb: (err: Error) => void): this;
  /** Removes a listener. */
  off(event: string, cb: (...args: never[]) => void): this;
}

/** Where a remote-forwarded connection arrived (ssh2's `tcp connection` details). */
export interface Ssh2TcpConnectionInfo {
  /** The bound address the connection arrived on. */
  destIP: string;
  /** The bound port. */
  destPort: number;
  /** The peer's address. */
  srcIP: string;
  /** The peer's port. */
  srcPort: number;
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
  /** A connection arrived on a remote-forwarded port: accept() gives the channel. */
  on(
    event: "tcp connection",
    cb: (info: Ssh2TcpConnectionInfo, accept: () => Ssh2Channel, reject: () => void) => void,
  ): this;
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
  /** Opens the SFTP subsystem on a new session channel. */
  sftp(cb: (err: Error | undefined, sftp: Ssh2Sftp) => void): this;
  /** Asks the server to listen (ssh -R); `port` is the bound port (useful when 0 was asked). */
  forwardIn(
    bindAddr: string,
    bindPort: number,
    cb: (err: Error | undefined, port: number) => void,
  ): this;
  /** Cancels a remote listen. */
  unforwardIn(bindAddr: string, bindPort: number, cb: (err: Error | undefined) => void): this;
  /** Removes one listener. */
  off(event: string, cb: (...args: never[]) => void): this;
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
