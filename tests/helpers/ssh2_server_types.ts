/**
 * Minimal typings for the parts of `ssh2`'s server API the fake SSH server uses (the package
 * ships none). Written from ssh2's README; only what the tests touch.
 */
import type { Buffer } from "node:buffer";
import type { AddressInfo, Socket } from "node:net";

/** Terminal details of a pty request or window change. */
export interface PtyInfo {
  term?: string;
  cols: number;
  rows: number;
  width?: number;
  height?: number;
}

/** ssh2 type. */
export interface ParsedKey {
  type: string;
  getPublicSSH(): Buffer;
  verify(data: Buffer, signature: Buffer, hashAlgo?: string): boolean | Error;
}
/** ssh2 type. */
export interface AuthContext {
  username: string;
  method: "none" | "password" | "publickey" | "keyboard-interactive" | "hostbased";
  password?: string;
  key?: { algo: string; data: Buffer };
  signature?: Buffer;
  blob?: Buffer;
  hashAlgo?: string;
  prompt(
    prompts: { prompt: string; echo: boolean }[],
    title: string,
    instructions: string,
    cb: (answers: string[]) => void,
  ): void;
  accept(): void;
  reject(methods?: string[]): void;
}
/** A server-side channel (exec or shell). */
export interface ServerChannel {
  write(data: string | Uint8Array): boolean;
  end(data?: string): void;
  exit(code: number): void;
  exit(signal: string, coreDumped?: boolean, message?: string): void;
  close(): void;
  stderr: { write(data: string | Uint8Array): boolean };
  on(event: "data", cb: (chunk: Buffer) => void): this;
  on(event: "close" | "end" | "finish", cb: () => void): this;
  on(event: string, cb: (...args: unknown[]) => void): this;
  destroy(): void;
}
/** ssh2 type. */
export type Accept<T> = () => T;
/** ssh2 type. */
export interface Session {
  on(event: "pty", cb: (accept: Accept<void>, reject: () => void, info: PtyInfo) => void): this;
  on(
    event: "env",
    cb: (
      accept: Accept<void> | undefined,
      reject: unknown,
      info: { key: string; value: string },
    ) => void,
  ): this;
  on(
    event: "exec",
    cb: (accept: Accept<ServerChannel>, reject: () => void, info: { command: string }) => void,
  ): this;
  on(event: "shell", cb: (accept: Accept<ServerChannel>, reject: () => void) => void): this;
  on(
    event: "window-change",
    cb: (accept: Accept<void> | undefined, reject: unknown, info: PtyInfo) => void,
  ): this;
  on(
    event: "signal",
    cb: (accept: Accept<void> | undefined, reject: unknown, info: { name: string }) => void,
  ): this;
}
/** ssh2 type. */
export interface Connection {
  on(event: "authentication", cb: (ctx: AuthContext) => void): this;
  on(event: "ready" | "close" | "end", cb: () => void): this;
  on(event: "error", cb: (err: Error) => void): this;
  on(event: "session", cb: (accept: Accept<Session>, reject: () => void) => void): this;
  on(
    event: "tcpip",
    cb: (accept: Accept<ServerChannel>, reject: () => void, info: unknown) => void,
  ): this;
  end(): void;
  _sock?: Socket;
}
/** ssh2 type. */
export interface Ssh2Server {
  listen(port: number, host: string, cb: () => void): void;
  address(): AddressInfo;
  close(cb: () => void): void;
  on(event: "connection", cb: (conn: Connection) => void): this;
  on(event: "error", cb: (err: Error) => void): this;
}
/** ssh2 type. */
export interface Ssh2Module {
  Server: new (config: { hostKeys: string[]; ident?: string }) => Ssh2Server;
  utils: {
    generateKeyPairSync(
      type: string,
      opts?: { bits?: number },
    ): { private: string; public: string };
    parseKey(data: string | Buffer, passphrase?: string): ParsedKey | Error;
  };
}
