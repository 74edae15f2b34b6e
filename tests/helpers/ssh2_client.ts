/**
 * A thin typed wrapper over `ssh2.Client` for tests: connect (with Nagle off), run one command,
 * open a shell. Production connections belong to lib/ssh; this only drives servers in tests.
 */
import type { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import ssh2 from "ssh2";
import type { Ssh2HostVerifier } from "../../lib/ssh/mod.ts";

/** The client-side channel parts the tests use. */
export interface ClientChannel {
  on(event: "data", cb: (chunk: Buffer) => void): this;
  on(event: "close", cb: (code?: number | null, signal?: string) => void): this;
  on(event: "exit", cb: (code: number | null, signal?: string) => void): this;
  on(event: string, cb: (...args: unknown[]) => void): this;
  removeListener(event: string, cb: (...args: never[]) => void): this;
  stderr: { on(event: "data", cb: (chunk: Buffer) => void): unknown };
  write(data: string): boolean;
  end(): void;
  setWindow(rows: number, cols: number, height: number, width: number): void;
}

/** The ssh2 Client parts the tests use. */
export interface Ssh2Client {
  connect(config: Record<string, unknown>): void;
  on(event: "ready" | "close" | "end", cb: () => void): this;
  on(event: "error", cb: (err: Error & { level?: string }) => void): this;
  on(event: "handshake", cb: (negotiated: { srvHostKey: string }) => void): this;
  on(event: "keyboard-interactive", cb: (...args: unknown[]) => void): this;
  once(event: string, cb: (...args: unknown[]) => void): this;
  removeAllListeners(event?: string): this;
  exec(
    command: string,
    options: Record<string, unknown>,
    cb: (err: Error | undefined, ch: ClientChannel) => void,
  ): void;
  shell(
    window: Record<string, unknown>,
    cb: (err: Error | undefined, ch: ClientChannel) => void,
  ): void;
  end(): void;
  destroy(): void;
  _sock?: Socket;
}

const Client = (ssh2 as unknown as { Client: new () => Ssh2Client }).Client;

/** Options for {@linkcode connectClient}. */
export interface ConnectOptions {
  host?: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  agent?: string;
  tryKeyboard?: boolean;
  hostVerifier?: Ssh2HostVerifier;
  serverHostKey?: string[];
  readyTimeout?: number;
  onKeyboardInteractive?: (prompts: { prompt: string }[]) => string[];
}

/** Connects and authenticates; rejects with ssh2's error (the caller maps verifier errors). */
export function connectClient(options: ConnectOptions): Promise<Ssh2Client> {
  const client = new Client();
  return new Promise((resolve, reject) => {
    client.on("ready", () => {
      client._sock?.setNoDelay(true);
      resolve(client);
    });
    client.on("error", (err) => {
      client.destroy();
      reject(err);
    });
    if (options.onKeyboardInteractive) {
      const answer = options.onKeyboardInteractive;
      client.on("keyboard-interactive", (...args: unknown[]) => {
        const prompts = args[3] as { prompt: string }[];
        const finish = args[4] as (answers: string[]) => void;
        finish(answer(prompts));
      });
    }
    client.connect({
      host: options.host ?? "127.0.0.1",
      port: options.port,
      username: options.username,
      password: options.password,
      privateKey: options.privateKey,
      passphrase: options.passphrase,
      agent: options.agent,
      tryKeyboard: options.tryKeyboard,
      hostVerifier: options.hostVerifier,
      readyTimeout: options.readyTimeout ?? 10_000,
      algorithms: {
        compress: ["none"],
        ...(options.serverHostKey ? { serverHostKey: options.serverHostKey } : {}),
      },
    });
  });
}

/** Ends a client and waits for its close event. */
export function closeClient(client: Ssh2Client): Promise<void> {
  return new Promise((resolve) => {
    client.once("close", () => resolve());
    client.end();
  });
}

/** Runs one command; collects stdout, stderr and the exit code. */
export function execOnce(
  client: Ssh2Client,
  command: string,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    client.exec(command, {}, (err, ch) => {
      if (err) return reject(err);
      let stdout = "";
      let stderr = "";
      let code: number | null = null;
      ch.on("data", (c: Buffer) => (stdout += c.toString()));
      ch.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      ch.on("exit", (c: number | null) => (code = c));
      ch.on("close", () => resolve({ stdout, stderr, code }));
    });
  });
}
