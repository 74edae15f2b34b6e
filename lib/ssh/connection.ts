/**
 * One authenticated SSH connection: opens exec, shell and direct-tcpip channels, hands out at most
 * `maxChannels` session-channel slots (sshd's MaxSessions caps concurrent sessions per connection;
 * waiting callers queue in order), counts pins (sessions and jump users keep it from eviction),
 * and notices the moment it drops so calls in flight fail at once with a clear error.
 */
import type { PresentedHostKey } from "./host_verifier.ts";
import type { ResolvedTarget } from "./hosts/target.ts";
import { SshChannelError, SshConnectionLostError } from "./ssh_errors.ts";
import { canOpenAhead, channelReady, execOnChannel, openSessionAhead } from "./_ssh2_ahead.ts";
import type {
  Ssh2Channel,
  Ssh2Client,
  Ssh2PtyOptions,
  Ssh2Sftp,
  Ssh2TcpConnectionInfo,
} from "./_ssh2.ts";

/** How a session channel's remote program ended, as the server reported it. */
export interface ChannelExit {
  /** Exit status, or null (killed by a signal, or no status sent). */
  code: number | null;
  /** `SIGTERM`-style signal name, or null. */
  signal: string | null;
}

interface Tracked {
  exit: ChannelExit | null;
  closed: Promise<void>;
}

const tracked = new WeakMap<Ssh2Channel, Tracked>();

/**
 * Records `exit` and `close` from the moment the channel opens: ssh2 can deliver both in the same
 * read as the open confirmation (a jump host coalesces packets), before an awaiting caller could
 * attach a listener.
 */
function track(ch: Ssh2Channel): void {
  // ssh2's destroy() is end() then close(); once the stream has ended, that end() only makes Node
  // build an ERR_STREAM_ALREADY_FINISHED error nobody reads (a stack capture on every channel, about
  // a tenth of a pooled ssh_exec's CPU). Same effect without it: just close.
  const destroy = ch.destroy.bind(ch);
  ch.destroy = ((err?: Error) => {
    if (!ch.writableEnded) return destroy(err);
    ch.close();
    return ch;
  }) as typeof ch.destroy;
  const t: Tracked = {
    exit: null,
    closed: new Promise<void>((resolve) => ch.once("close", () => resolve())),
  };
  ch.on("exit", (code: number | null, sig?: string) => {
    if (typeof code === "number") t.exit = { code, signal: null };
    else if (sig) t.exit = { code: null, signal: sig.startsWith("SIG") ? sig : `SIG${sig}` };
  });
  // Errors are reported through close and the connection; an unhandled one would throw.
  ch.on("error", () => {});
  tracked.set(ch, t);
}

/** The exit status reported on a channel opened by {@linkcode SshConnection} so far, or null. */
export function channelExit(ch: Ssh2Channel): ChannelExit | null {
  return tracked.get(ch)?.exit ?? null;
}

/** Resolves when a channel opened by {@linkcode SshConnection} has closed. */
export function channelClosed(ch: Ssh2Channel): Promise<void> {
  return tracked.get(ch)?.closed ?? new Promise((r) => ch.once("close", () => r()));
}

function closeQuietly(ch: Ssh2Channel): void {
  try {
    ch.close();
  } catch { /* already closed */ }
}

/** A held session-channel slot; release it once the channel closed. */
export interface ChannelSlot {
  /** Frees the slot (idempotent). */
  release(): void;
}

/** Options for {@linkcode SshConnection}. */
export interface SshConnectionOptions {
  /** The target it was opened for. */
  target: ResolvedTarget;
  /** `user@host:port`. */
  label: string;
  /** The authenticated ssh2 client. */
  client: Ssh2Client;
  /** The host key the server presented. */
  hostKey: PresentedHostKey | undefined;
  /** Session channels at once (default 8, under sshd's default MaxSessions of 10). */
  maxChannels?: number;
  /** Problems met while authenticating (unusable keys), for notes. */
  authProblems?: readonly string[];
  /** Time source (ms). */
  now?: () => number;
  /** Called once when the connection is gone. */
  onClose?: (conn: SshConnection) => void;
  /**
   * Keep one session channel open ahead for the next exec once the connection has run one
   * (default true; needs ssh2's internals, see _ssh2_ahead.ts). It counts against the slots.
   */
  openAhead?: boolean;
}

/** Failed opens ahead in a row after which a connection stops trying (a low MaxSessions). */
const AHEAD_FAILURES = 3;

type Waiter = {
  resolve: (slot: ChannelSlot) => void;
  reject: (err: Error) => void;
  longLived: boolean;
};

/** See the module comment. */
export class SshConnection {
  /** The target it was opened for. */
  readonly target: ResolvedTarget;
  /** `user@host:port`. */
  readonly label: string;
  /** The host key the server presented. */
  readonly hostKey: PresentedHostKey | undefined;
  /** Problems met while authenticating (unusable keys). */
  readonly authProblems: readonly string[];
  /** Resolves when the connection is gone (never rejects). */
  readonly closed: Promise<void>;
  #client: Ssh2Client;
  #max: number;
  #active = 0;
  #longLived = 0;
  #pins = 0;
  #waiters: Waiter[] = [];
  #opening = new Set<() => void>();
  #alive = true;
  #lostReason = "";
  #lastUsed: number;
  #now: () => number;
  #resolveClosed!: () => void;
  #onClose?: (conn: SshConnection) => void;
  /** The session channel opened ahead for the next exec (null: none, or its open failed). */
  #spare: Promise<Ssh2Channel | null> | null = null;
  /** The same channel once open (a server may close it; ssh2 then emits nothing unread). */
  #spareOpen: Ssh2Channel | null = null;
  #ahead: boolean;
  #aheadFailures = 0;
  #execs = 0;
  #execsAhead = 0;

  /** Wraps a ready client; see {@linkcode SshConnectionOptions}. */
  constructor(options: SshConnectionOptions) {
    this.target = options.target;
    this.label = options.label;
    this.hostKey = options.hostKey;
    this.authProblems = options.authProblems ?? [];
    this.#client = options.client;
    this.#max = options.maxChannels ?? 8;
    this.#now = options.now ?? Date.now;
    this.#lastUsed = this.#now();
    this.#onClose = options.onClose;
    this.#ahead = (options.openAhead ?? true) && canOpenAhead(this.#client);
    this.closed = new Promise((r) => (this.#resolveClosed = r));
    this.#client.on("error", (err) => {
      if (this.#alive) this.#lostReason = err.message;
    });
    this.#client.on("close", () => this.#gone(this.#lostReason || "closed by the server"));
  }

  #gone(reason: string): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.#lostReason = reason;
    const err = this.lostError();
    for (const w of this.#waiters.splice(0)) w.reject(err);
    for (const lost of [...this.#opening]) lost();
    this.#opening.clear();
    this.#resolveClosed();
    this.#onClose?.(this);
  }

  /** True until the connection drops or is closed. */
  get alive(): boolean {
    return this.#alive;
  }

  /** The error for calls that were using this connection when it dropped. */
  lostError(): SshConnectionLostError {
    return new SshConnectionLostError(this.label, this.#lostReason);
  }

  /** Session channels open or reserved. */
  get activeChannels(): number {
    return this.#active;
  }

  /** Of those, channels held by sessions (long-lived). */
  get longLivedChannels(): number {
    return this.#longLived;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** The slot limit. */
  get maxChannels(): number {
    return this.#max;
  }

  /** Pins (sessions, connections jumping through this one). */
  get pins(): number {
    return this.#pins;
  }

  /** Execs that ran on a channel opened ahead (the open round trip saved). */
  get execsAhead(): number {
    return this.#execsAhead;
  }

  /** True while a channel opened ahead is open or opening. */
  get hasChannelAhead(): boolean {
    return this.#spare !== null && (this.#spareOpen === null || channelReady(this.#spareOpen));
  }

  /** When a caller last used it (ms). */
  get lastUsed(): number {
    return this.#lastUsed;
  }

  /** No channel open or reserved, nothing waiting, no pin. */
  get idle(): boolean {
    return this.#active === 0 && this.#waiters.length === 0 && this.#pins === 0;
  }

  /** Marks a use (LRU and idle eviction). */
  touch(): void {
    this.#lastUsed = this.#now();
  }

  /** Keeps the connection from idle and LRU eviction until the returned function is called. */
  pin(): () => void {
    this.#pins++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#pins--;
      this.touch();
    };
  }

  /** A slot now, or null when all are taken. */
  tryAcquire(longLived = false): ChannelSlot | null {
    if (!this.#alive || this.#active >= this.#max || this.#waiters.length > 0) return null;
    return this.#take(longLived);
  }

  #take(longLived: boolean): ChannelSlot {
    this.#active++;
    if (longLived) this.#longLived++;
    this.touch();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#active--;
        if (longLived) this.#longLived--;
        this.touch();
        this.#grant();
        this.#openAhead();
      },
    };
  }

  #grant(): void {
    while (this.#alive && this.#active < this.#max && this.#waiters.length > 0) {
      const w = this.#waiters.shift()!;
      w.resolve(this.#take(w.longLived));
    }
  }

  /** Waits in line for a slot; rejects if the connection drops or `signal` aborts. */
  acquire(signal?: AbortSignal, longLived = false): Promise<ChannelSlot> {
    const now = this.tryAcquire(longLived);
    if (now) return Promise.resolve(now);
    if (!this.#alive) return Promise.reject(this.lostError());
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        longLived,
        resolve: (slot) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(slot);
        },
        reject: (err) => {
          signal?.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(w);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal!.reason ?? new DOMException("aborted", "AbortError"));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(w);
    });
  }

  #channel(
    what: string,
    open: (cb: (err: Error | undefined, ch: Ssh2Channel) => void) => void,
    session: boolean,
  ): Promise<Ssh2Channel> {
    if (!this.#alive) return Promise.reject(this.lostError());
    this.touch();
    return new Promise((resolve, reject) => {
      const onLost = () => reject(this.lostError());
      this.#opening.add(onLost);
      let attempt = 0;
      const tryOpen = () => {
        try {
          open((err, ch) => {
            if (!err) {
              this.#opening.delete(onLost);
              track(ch);
              return resolve(ch);
            }
            if (!this.#alive) return;
            // A server with a low MaxSessions: the channel held ahead may be what is in the way.
            if (session && /open failed/i.test(err.message) && this.#dropAhead()) {
              this.#ahead = false;
              setTimeout(tryOpen, 5);
              return;
            }
            // sshd frees a closed session a moment after the client saw it close: a burst can
            // briefly meet MaxSessions. Retry while our own other channels are the reason.
            if (session && this.#active > 1 && attempt < 40 && /open failed/i.test(err.message)) {
              attempt++;
              setTimeout(tryOpen, Math.min(5 * attempt, 50));
              return;
            }
            this.#opening.delete(onLost);
            reject(
              new SshChannelError(
                this.label,
                `Cannot open ${what} on ${this.label}: ${err.message}`,
                {
                  cause: err,
                },
              ),
            );
          });
        } catch (err) {
          this.#opening.delete(onLost);
          reject(this.#alive ? err : this.lostError());
        }
      };
      tryOpen();
    });
  }

  /**
   * Opens an exec channel (with a pty when given). Without a pty it takes the channel opened
   * ahead when there is one, and opens the next one ahead in the same write as the request.
   */
  exec(command: string, pty?: Ssh2PtyOptions): Promise<Ssh2Channel> {
    if (pty) return this.#execFresh(command, pty);
    let spare = this.#spare;
    if (this.#spareOpen && !channelReady(this.#spareOpen)) spare = null; // closed by the server
    this.#spare = null;
    this.#spareOpen = null;
    const run = spare ? this.#execAhead(spare, command) : this.#execFresh(command);
    this.#execs++;
    this.#openAhead();
    return run;
  }

  #execFresh(command: string, pty?: Ssh2PtyOptions): Promise<Ssh2Channel> {
    return this.#channel(
      "an exec channel",
      (cb) => this.#client.exec(command, pty ? { pty } : {}, cb),
      true,
    );
  }

  /** Sends the exec on the channel opened ahead; any trouble with it: a fresh channel instead. */
  async #execAhead(spare: Promise<Ssh2Channel | null>, command: string): Promise<Ssh2Channel> {
    const ch = await spare;
    if (ch && this.#alive && channelReady(ch)) {
      track(ch);
      try {
        await execOnChannel(ch, command);
        this.#execsAhead++;
        return ch;
      } catch { /* refused or closed meanwhile */ }
    }
    if (ch) closeQuietly(ch);
    return this.#execFresh(command);
  }

  /** Opens a session channel ahead when none is held, a slot is free and execs run here. */
  #openAhead(): void {
    if (!this.#ahead || this.#spare || !this.#alive || this.#execs === 0) return;
    if (this.#active >= this.#max) return;
    const p: Promise<Ssh2Channel | null> = openSessionAhead(this.#client).then((ch) => {
      this.#aheadFailures = 0;
      ch.on("error", () => {});
      if (this.#spare === p) this.#spareOpen = ch;
      return ch;
    }, () => {
      if (++this.#aheadFailures >= AHEAD_FAILURES) this.#ahead = false;
      if (this.#spare === p) this.#spare = null;
      return null;
    });
    this.#spare = p;
  }

  /** Closes the channel held ahead; true if there was one. */
  #dropAhead(): boolean {
    const spare = this.#spare;
    if (!spare) return false;
    this.#spare = null;
    this.#spareOpen = null;
    void spare.then((ch) => ch && closeQuietly(ch));
    return true;
  }

  /** Opens a login shell on a pty. */
  shell(pty: Ssh2PtyOptions): Promise<Ssh2Channel> {
    return this.#channel("a shell channel", (cb) => this.#client.shell(pty, {}, cb), true);
  }

  /** Opens a direct-tcpip channel to `host:port` as seen from the server. */
  forwardOut(host: string, port: number): Promise<Ssh2Channel> {
    return this.#channel(
      `a tunnel to ${host}:${port}`,
      (cb) => this.#client.forwardOut("127.0.0.1", 0, host, port, cb),
      false,
    );
  }

  /**
   * Opens the SFTP subsystem (a session channel: hold a slot from `acquire` while it is open, and
   * `end()` it when done). Fails at once when the connection is gone.
   */
  sftp(): Promise<Ssh2Sftp> {
    if (!this.#alive) return Promise.reject(this.lostError());
    this.touch();
    return new Promise((resolve, reject) => {
      const onLost = () => reject(this.lostError());
      this.#opening.add(onLost);
      try {
        this.#client.sftp((err, sftp) => {
          this.#opening.delete(onLost);
          if (err) {
            return reject(
              this.#alive
                ? new SshChannelError(
                  this.label,
                  `Cannot start SFTP on ${this.label}: ${err.message}`,
                  { cause: err },
                )
                : this.lostError(),
            );
          }
          sftp.on("error", () => {});
          resolve(sftp);
        });
      } catch (err) {
        this.#opening.delete(onLost);
        reject(this.#alive ? err : this.lostError());
      }
    });
  }

  /**
   * Asks the server to listen on `bindAddr:bindPort` (ssh -R) and hands each arriving connection
   * to `onConnection`. Resolves with the bound port and a function that cancels the listen.
   */
  forwardIn(
    bindAddr: string,
    bindPort: number,
    onConnection: (
      info: Ssh2TcpConnectionInfo,
      accept: () => Ssh2Channel,
      reject: () => void,
    ) => void,
  ): Promise<{ port: number; cancel: () => Promise<void> }> {
    if (!this.#alive) return Promise.reject(this.lostError());
    this.touch();
    return new Promise((resolve, reject) => {
      this.#client.forwardIn(bindAddr, bindPort, (err, port) => {
        if (err) {
          return reject(
            new SshChannelError(
              this.label,
              `Cannot listen on ${bindAddr}:${bindPort} on ${this.label}: ${err.message}`,
              { cause: err },
            ),
          );
        }
        const bound = port || bindPort;
        const listener = (
          info: Ssh2TcpConnectionInfo,
          accept: () => Ssh2Channel,
          rej: () => void,
        ) => {
          // sshd names the listen address as it was requested.
          if (info.destPort !== bound || info.destIP !== bindAddr) return;
          onConnection(info, () => {
            const ch = accept();
            track(ch);
            return ch;
          }, rej);
        };
        this.#client.on("tcp connection", listener);
        resolve({
          port: bound,
          cancel: () =>
            new Promise<void>((done) => {
              this.#client.off("tcp connection", listener as never);
              if (!this.#alive) return done();
              try {
                this.#client.unforwardIn(bindAddr, bound, () => done());
              } catch {
                done();
              }
            }),
        });
      });
    });
  }

  /** Ends the connection (disconnect message, then the socket) and waits up to `graceMs`. */
  async close(graceMs = 1000): Promise<void> {
    if (this.#alive) {
      this.#lostReason = "closed by relay-shell";
      try {
        this.#client.end();
      } catch { /* already ending */ }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.closed,
        new Promise<void>((r) => (timer = setTimeout(r, graceMs))),
      ]);
      clearTimeout(timer);
      if (this.#alive) {
        this.#client.destroy();
        this.#gone("closed by relay-shell");
      }
    }
  }
}
