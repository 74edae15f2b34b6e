/**
 * Opens one authenticated connection to a resolved target: our own TCP socket with Nagle off
 * (or a direct-tcpip channel through the jump hop's connection), no compression, the host key
 * checked by the target's own known_hosts settings (the verifier's named error is thrown, not
 * ssh2's "Host denied"), keepalives from ServerAliveInterval, and the authentication plan.
 * One deadline (ConnectTimeout) covers TCP, handshake and authentication.
 */
import net from "node:net";
import type { Duplex } from "node:stream";
import { HostKeyError } from "./host_key_errors.ts";
import { hostKeyAlgorithmsFor, hostKeyVerifierFor } from "./host_verifier.ts";
import type { ResolvedTarget } from "./hosts/target.ts";
import type { KnownHostsStore } from "./known_hosts.ts";
import { type AuthPlanOptions, buildAuthPlan } from "./auth_plan.ts";
import { SshConnection } from "./connection.ts";
import { coalesceWrites } from "./coalesce_writes.ts";
import {
  hostLabel,
  SshAuthError,
  SshConnectError,
  SshError,
  SshUnsupportedError,
} from "./ssh_errors.ts";
import { newSsh2Client, type Ssh2Error } from "./_ssh2.ts";

/** Options for {@linkcode connectSsh}. */
export interface ConnectSshOptions extends AuthPlanOptions {
  /** Aborts the attempt. */
  signal?: AbortSignal;
  /** Deadline for TCP + handshake + authentication (default: the target's ConnectTimeout). */
  timeoutMs?: number;
  /** The jump hop's connection to tunnel through (the target's `jump`). */
  via?: SshConnection;
  /** known_hosts parse cache. */
  store?: KnownHostsStore;
  /** Session channels at once on the connection. */
  maxChannels?: number;
  /** Time source for the connection's bookkeeping. */
  now?: () => number;
  /** Called once when the connection is gone. */
  onClose?: (conn: SshConnection) => void;
}

function socketMessage(err: Error & { code?: string }, where: string): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return `connection refused by ${where} (is sshd running on that port?)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return `cannot resolve the host name of ${where}`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${where} is unreachable`;
    case "ECONNRESET":
      return `connection reset by ${where}`;
    default:
      return `${err.message} (${where})`;
  }
}

function openTcp(
  host: string,
  port: number,
  label: string,
): { sock: net.Socket; ready: Promise<void> } {
  const sock = net.connect({ host, port });
  sock.setNoDelay(true);
  const ready = new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      sock.removeListener("connect", onConnect);
      reject(
        new SshConnectError(
          label,
          "tcp",
          `Cannot connect to ${label}: ${socketMessage(err, label)}`,
          { cause: err },
        ),
      );
    };
    const onConnect = () => {
      sock.removeListener("error", onError);
      resolve();
    };
    sock.once("error", onError);
    sock.once("connect", onConnect);
  });
  return { sock, ready };
}

/** Connects and authenticates; throws SshError subclasses, HostKeyError, or the abort reason. */
export async function connectSsh(
  target: ResolvedTarget,
  options: ConnectSshOptions = {},
): Promise<SshConnection> {
  const label = hostLabel(target);
  if (target.proxyCommand) {
    throw new SshUnsupportedError(
      label,
      `Cannot connect to ${target.alias}: ProxyCommand (${target.sources.proxyCommand}) is not supported; use ProxyJump (jump) instead`,
    );
  }
  options.signal?.throwIfAborted();
  const timeoutMs = options.timeoutMs ?? target.connectTimeout * 1000;
  const verifier = hostKeyVerifierFor(target, { home: options.home, store: options.store });
  const serverHostKey = await hostKeyAlgorithmsFor(target, { store: options.store });
  const plan = buildAuthPlan(target, options);
  const client = newSsh2Client();
  let sock: Duplex | undefined;
  let phase = options.via ? "jump" : "tcp";
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const what = phase === "tcp"
        ? "connecting"
        : phase === "auth"
        ? "authenticating"
        : `in the ${phase}`;
      reject(
        new SshConnectError(
          label,
          phase,
          `Timed out after ${Math.round(timeoutMs / 1000)}s ${what} to ${label}`,
        ),
      );
    }, timeoutMs);
    onAbort = () => reject(options.signal!.reason ?? new DOMException("aborted", "AbortError"));
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
  failed.catch(() => {});
  const cleanup = () => {
    clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener("abort", onAbort);
  };
  try {
    if (options.via) {
      const via = options.via;
      sock = await Promise.race([
        via.forwardOut(target.hostname, target.port).catch((err: Error) => {
          throw new SshConnectError(
            label,
            "jump",
            `Cannot reach ${label} through ${via.label}: ${err.message}`,
            { cause: err },
          );
        }),
        failed,
      ]);
    } else {
      const tcp = openTcp(target.hostname, target.port, label);
      sock = tcp.sock;
      await Promise.race([tcp.ready, failed]);
    }
    phase = "handshake";
    const ready = new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (!settled) {
          settled = true;
          reject(err);
        }
      };
      client.on("ready", () => {
        settled = true;
        resolve();
      });
      client.on("error", (err: Ssh2Error) => {
        if (settled) return;
        // Agent and signing problems are reported and ssh2 goes on to the next method.
        if (err.level === "agent") return;
        if (err.level === "client-authentication" && /^Error sign/i.test(err.message)) return;
        if (err.level === "client-authentication") {
          return fail(new SshAuthError(label, plan.attempts(), { cause: err }));
        }
        verifier.settled().then(() => {
          if (verifier.error) return fail(verifier.error);
          const where = phase === "auth" ? "authenticating" : "during the SSH handshake";
          fail(
            new SshConnectError(
              label,
              phase,
              `Cannot connect to ${label} ${where}: ${
                err.code ? socketMessage(err, label) : err.message
              }`,
              { cause: err },
            ),
          );
        });
      });
      client.on("close", () => {
        if (settled) return;
        verifier.settled().then(() =>
          fail(
            verifier.error ??
              new SshConnectError(
                label,
                phase,
                `${label} closed the connection ${
                  phase === "auth" ? "while authenticating" : "during the SSH handshake"
                }`,
              ),
          )
        );
      });
    });
    client.connect({
      sock: coalesceWrites(sock),
      username: target.user,
      hostVerifier: (key, verify) => {
        verifier.hostVerifier(key, (ok) => {
          if (ok) phase = "auth";
          verify(ok);
        });
      },
      authHandler: plan.handler,
      readyTimeout: 0,
      keepaliveInterval: target.serverAliveInterval * 1000,
      keepaliveCountMax: target.serverAliveCountMax,
      algorithms: { compress: ["none"], serverHostKey },
    });
    await Promise.race([ready, failed]);
  } catch (err) {
    cleanup();
    try {
      client.destroy();
    } catch { /* not connected */ }
    sock?.destroy();
    if (err instanceof SshError || err instanceof HostKeyError) throw err;
    if (options.signal?.aborted) throw err;
    throw new SshConnectError(
      label,
      phase,
      `Cannot connect to ${label}: ${(err as Error)?.message ?? err}`,
      { cause: err },
    );
  }
  cleanup();
  return new SshConnection({
    target,
    label,
    client,
    hostKey: verifier.presented,
    authProblems: plan.problems,
    maxChannels: options.maxChannels,
    now: options.now,
    onClose: options.onClose,
  });
}
