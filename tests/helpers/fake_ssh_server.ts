/**
 * An in-process SSH server around `ssh2.Server` for faults a real sshd cannot produce on
 * demand: scripted exec and shell behaviour (a prompt-driven network-device CLI with `--More--`
 * paging), commands that hang, abrupt disconnects, and host-key swaps on the same port.
 * Authentication is configurable per user (password, public keys, keyboard-interactive) or by
 * a callback. Every request the server sees is recorded in `events`.
 */
import type { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import ssh2 from "ssh2";
import { fingerprintSha256 } from "../../lib/ssh/mod.ts";
import type {
  AuthContext,
  Connection,
  PtyInfo,
  ServerChannel,
  Ssh2Module,
  Ssh2Server,
} from "./ssh2_server_types.ts";

export type { PtyInfo, ServerChannel };

const SSH2 = ssh2 as unknown as Ssh2Module;

/** Credentials one user may present. */
export interface FakeUser {
  /** Accepted password. */
  password?: string;
  /** Accepted public keys (`type base64 [comment]` lines). */
  publicKeys?: string[];
  /** Answer accepted for a keyboard-interactive prompt. */
  keyboardInteractive?: string;
}

/** What an exec or shell hook receives besides the channel. */
export interface ChannelContext {
  /** The authenticated user. */
  readonly user: string;
  /** Environment requests accepted on this session. */
  readonly env: Readonly<Record<string, string>>;
  /** The pty request, if any. */
  readonly pty: PtyInfo | null;
  /** The connection's socket (destroy it for an abrupt disconnect). */
  readonly socket: Socket | undefined;
}

/** Scripted exec behaviour; the default answers `echo …`, `exit N`, `hang`, `disconnect`. */
export type ExecHook = (command: string, channel: ServerChannel, ctx: ChannelContext) => void;
/** Scripted shell behaviour (e.g. `deviceCli` from device_cli.ts). */
export type ShellHook = (channel: ServerChannel, ctx: ChannelContext) => void;

/** A request the server saw. */
export type FakeEvent =
  | { type: "connection" }
  | { type: "auth"; user: string; method: string; ok: boolean }
  | { type: "exec"; user: string; command: string }
  | { type: "shell"; user: string }
  | { type: "pty"; info: PtyInfo }
  | { type: "env"; key: string; value: string }
  | { type: "window-change"; info: PtyInfo }
  | { type: "signal"; name: string }
  | { type: "tcpip" }
  | { type: "exec-refused"; command: string }
  | { type: "session-closed" };

/** Options for {@linkcode FakeSshServer.start}. */
export interface FakeSshServerOptions {
  /** Users and their credentials (default: `test` with password `test`). */
  users?: Record<string, FakeUser>;
  /** Overrides `users`: decide each attempt yourself. */
  authenticate?: (ctx: { user: string; method: string; password?: string }) => boolean;
  /** Host key type (default ed25519). */
  hostKeyType?: "ed25519" | "rsa" | "ecdsa";
  /** Exec hook (default {@linkcode defaultExec}). */
  exec?: ExecHook;
  /** Shell hook (default: a one-line greeting, then echo until `exit`). */
  shell?: ShellHook;
  /** Listen on this port (default: a free one). */
  port?: number;
  /** Refuse an exec request when this returns true (the channel stays open, as sshd leaves it). */
  refuseExec?: (command: string) => boolean;
  /** Close a session channel that got no request within this many ms (a server-side timeout). */
  closeIdleSessionsMs?: number;
}

/** The host key a {@linkcode FakeSshServer} presents. */
export interface FakeHostKey {
  /** Key type (`ssh-ed25519`, …). */
  readonly type: string;
  /** `type base64` public line. */
  readonly publicLine: string;
  /** Raw public blob. */
  readonly blob: Uint8Array;
  /** `SHA256:…`. */
  readonly fingerprint: string;
  /** OpenSSH private key text. */
  readonly privateKey: string;
}

/**
 * A key pair from ssh2's generator that ssh2 itself can parse back. Under Deno about 1 ed25519 key
 * in 200 comes back with its public key's leading zero byte dropped (31 bytes), which ssh2 rightly
 * rejects as malformed: another key is drawn then.
 */
export function generateKeyPair(
  type: "ed25519" | "rsa" | "ecdsa" = "ed25519",
): { private: string; public: string } {
  const opts = type === "rsa" ? { bits: 2048 } : type === "ecdsa" ? { bits: 256 } : undefined;
  for (let i = 0;; i++) {
    const pair = SSH2.utils.generateKeyPairSync(type, opts);
    const parsed = SSH2.utils.parseKey(pair.public);
    if (!(parsed instanceof Error) || i >= 20) return pair;
  }
}

/** Generates a host key with ssh2's key generator. */
export function generateHostKey(type: "ed25519" | "rsa" | "ecdsa" = "ed25519"): FakeHostKey {
  const pair = generateKeyPair(type);
  const parsed = SSH2.utils.parseKey(pair.public);
  if (parsed instanceof Error) throw parsed;
  const blob = new Uint8Array(parsed.getPublicSSH());
  const publicLine = pair.public.split(/\s+/).slice(0, 2).join(" ");
  return {
    type: parsed.type,
    publicLine,
    blob,
    fingerprint: fingerprintSha256(blob),
    privateKey: pair.private,
  };
}

/** The default exec hook: `echo X`, `exit N`, `hang` (never answers), `disconnect` (drops TCP). */
export const defaultExec: ExecHook = (command, ch, ctx) => {
  const echo = /^echo (.*)$/.exec(command);
  const exit = /^exit (\d+)$/.exec(command);
  if (echo) {
    ch.write(`${echo[1]}\n`);
    ch.exit(0);
    ch.end();
  } else if (exit) {
    ch.exit(Number(exit[1]));
    ch.end();
  } else if (command === "hang") {
    // Never answer; the client's timeout must act.
  } else if (command === "disconnect") {
    ch.write("partial output\n");
    setTimeout(() => ctx.socket?.destroy(), 20);
  } else {
    ch.stderr.write(`fake: ${command.split(" ")[0]}: command not found\n`);
    ch.exit(127);
    ch.end();
  }
};

const defaultShell: ShellHook = (ch) => {
  ch.write("fake shell\r\n$ ");
  let line = "";
  ch.on("data", (chunk: Buffer) => {
    for (const c of chunk.toString("utf8")) {
      if (c === "\r" || c === "\n") {
        ch.write("\r\n");
        if (line.trim() === "exit") {
          ch.exit(0);
          ch.end();
          return;
        }
        ch.write(`${line}\r\n$ `);
        line = "";
      } else {
        line += c;
        ch.write(c);
      }
    }
  });
};

function publicBlob(line: string): Buffer | undefined {
  const k = SSH2.utils.parseKey(line);
  return k instanceof Error ? undefined : k.getPublicSSH();
}

/** A scripted in-process SSH server on 127.0.0.1. */
export class FakeSshServer {
  /** The address. */
  readonly host = "127.0.0.1";
  /** Every request seen, in order. */
  readonly events: FakeEvent[] = [];
  #options: FakeSshServerOptions;
  #server: Ssh2Server | undefined;
  #port = 0;
  #hostKey: FakeHostKey;
  #sockets = new Set<Socket>();
  #exec: ExecHook;
  #shell: ShellHook;

  private constructor(options: FakeSshServerOptions) {
    this.#options = options;
    this.#hostKey = generateHostKey(options.hostKeyType);
    this.#exec = options.exec ?? defaultExec;
    this.#shell = options.shell ?? defaultShell;
  }

  /** Starts a server; `close()` it (or `await using`) when done. */
  static async start(options: FakeSshServerOptions = {}): Promise<FakeSshServer> {
    const s = new FakeSshServer(options);
    await s.#listen(options.port ?? 0);
    return s;
  }

  /** The port. */
  get port(): number {
    return this.#port;
  }

  /** The current host key. */
  get hostKey(): FakeHostKey {
    return this.#hostKey;
  }

  /** Open TCP connections. */
  get connections(): number {
    return this.#sockets.size;
  }

  /** `[127.0.0.1]:port type base64` for the current key. */
  knownHostsLine(): string {
    return `[${this.host}]:${this.#port} ${this.#hostKey.publicLine}`;
  }

  /** Replaces the exec hook. */
  setExec(hook: ExecHook): void {
    this.#exec = hook;
  }

  /** Replaces the shell hook. */
  setShell(hook: ShellHook): void {
    this.#shell = hook;
  }

  /** Destroys every open TCP connection at once (no SSH disconnect message). */
  dropConnections(): void {
    for (const s of this.#sockets) s.destroy();
  }

  /** Closes the listener and starts again on the same port with a new host key. */
  async swapHostKey(type: "ed25519" | "rsa" | "ecdsa" = "ed25519"): Promise<FakeHostKey> {
    await this.#closeServer();
    this.#hostKey = generateHostKey(type);
    await this.#listen(this.#port);
    return this.#hostKey;
  }

  #auth(user: string, ctx: AuthContext): boolean {
    const custom = this.#options.authenticate;
    if (custom) return custom({ user, method: ctx.method, password: ctx.password });
    const users = this.#options.users ?? { test: { password: "test" } };
    const u = users[user];
    if (!u) return false;
    if (ctx.method === "password") return u.password !== undefined && ctx.password === u.password;
    if (ctx.method === "publickey" && ctx.key) {
      const match = (u.publicKeys ?? []).some((line) => {
        const blob = publicBlob(line);
        return blob !== undefined && blob.equals(ctx.key!.data);
      });
      if (!match) return false;
      if (!ctx.signature || !ctx.blob) return true; // key probe: "this key would do"
      const parsed = SSH2.utils.parseKey(ctx.key.data);
      return !(parsed instanceof Error) &&
        parsed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true;
    }
    return false;
  }

  #methods(): string[] {
    const users = this.#options.users ?? { test: { password: "test" } };
    const m = new Set<string>();
    for (const u of Object.values(users)) {
      if (u.password !== undefined) m.add("password");
      if (u.publicKeys?.length) m.add("publickey");
      if (u.keyboardInteractive !== undefined) m.add("keyboard-interactive");
    }
    if (this.#options.authenticate) {
      ["password", "publickey", "keyboard-interactive"].forEach((x) => m.add(x));
    }
    return [...m];
  }

  #onConnection(conn: Connection): void {
    const socket = conn._sock;
    if (socket) {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    }
    this.events.push({ type: "connection" });
    let user = "";
    conn.on("error", () => {/* clients vanish; that is the point of some tests */});
    conn.on("authentication", (ctx) => {
      const users = this.#options.users ?? { test: { password: "test" } };
      if (ctx.method === "keyboard-interactive" && !this.#options.authenticate) {
        const answer = users[ctx.username]?.keyboardInteractive;
        if (answer === undefined) return ctx.reject(this.#methods());
        ctx.prompt([{ prompt: "Password: ", echo: false }], "", "", (answers) => {
          const ok = answers[0] === answer;
          this.events.push({ type: "auth", user: ctx.username, method: ctx.method, ok });
          if (ok) {
            user = ctx.username;
            ctx.accept();
          } else ctx.reject(this.#methods());
        });
        return;
      }
      const ok = ctx.method !== "none" && this.#auth(ctx.username, ctx);
      const probe = ctx.method === "publickey" && !ctx.signature;
      if (!probe) this.events.push({ type: "auth", user: ctx.username, method: ctx.method, ok });
      if (ok) {
        user = ctx.username;
        ctx.accept();
      } else ctx.reject(this.#methods());
    });
    conn.on("session", (acceptSession) => {
      const session = acceptSession();
      let requested = false;
      const idleMs = this.#options.closeIdleSessionsMs;
      if (idleMs !== undefined) {
        const timer = setTimeout(() => {
          if (requested) return;
          // ssh2's server has no public close for a session without a request: send the close.
          // deno-lint-ignore no-explicit-any
          const s = session as any;
          // deno-lint-ignore no-explicit-any
          (conn as any)._protocol.channelClose(s._chanInfo.outgoing.id);
          this.events.push({ type: "session-closed" });
        }, idleMs);
        conn.on("close", () => clearTimeout(timer));
        session.on("exec", () => clearTimeout(timer));
        session.on("shell", () => clearTimeout(timer));
      }
      session.on("exec", () => (requested = true));
      session.on("shell", () => (requested = true));
      const env: Record<string, string> = {};
      let pty: PtyInfo | null = null;
      const ctx = (): ChannelContext => ({ user, env, pty, socket });
      session.on("pty", (accept, _reject, info) => {
        pty = info;
        this.events.push({ type: "pty", info });
        accept?.();
      });
      session.on("env", (accept, _reject, info) => {
        env[info.key] = info.value;
        this.events.push({ type: "env", key: info.key, value: info.value });
        accept?.();
      });
      session.on("window-change", (accept, _reject, info) => {
        this.events.push({ type: "window-change", info });
        accept?.();
      });
      session.on("signal", (accept, _reject, info) => {
        this.events.push({ type: "signal", name: info.name });
        accept?.();
      });
      session.on("exec", (accept, reject, info) => {
        if (this.#options.refuseExec?.(info.command)) {
          this.events.push({ type: "exec-refused", command: info.command });
          return reject?.();
        }
        this.events.push({ type: "exec", user, command: info.command });
        this.#exec(info.command, accept(), ctx());
      });
      session.on("shell", (accept) => {
        this.events.push({ type: "shell", user });
        this.#shell(accept(), ctx());
      });
    });
    conn.on("tcpip", (_accept, reject) => {
      this.events.push({ type: "tcpip" });
      reject();
    });
  }

  async #listen(port: number): Promise<void> {
    const server = new SSH2.Server({ hostKeys: [this.#hostKey.privateKey], ident: "FakeSSH_1.0" });
    server.on("connection", (conn) => this.#onConnection(conn));
    await new Promise<void>((resolve, reject) => {
      server.on("error", reject);
      server.listen(port, this.host, () => resolve());
    });
    this.#server = server;
    this.#port = server.address().port;
  }

  async #closeServer(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.dropConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Drops every connection and stops listening. */
  close(): Promise<void> {
    return this.#closeServer();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A TCP listener that accepts and never speaks (an SSH banner timeout). */
export function startSilentListener(): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const loop = (async () => {
    try {
      for await (const c of listener) conns.push(c);
    } catch { /* closed */ }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      listener.close();
      await loop;
    },
  };
}
