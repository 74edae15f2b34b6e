/**
 * ssh-keyscan in process: for each key type, one SSH handshake restricted to that type's host-key
 * algorithms; the host verifier captures the presented key and refuses it, so the connection
 * ends before any authentication. No dependency on the ssh-keyscan binary.
 */
import net from "node:net";
import { encodeBase64, fingerprintSha256, publicKeyType } from "./fingerprint.ts";
import { knownHostsName } from "./known_hosts_file.ts";
import { newSsh2Client } from "./_ssh2.ts";

/** Key types ssh_keyscan understands. */
export const KEYSCAN_TYPES = ["ed25519", "ecdsa", "rsa"] as const;
/** One of {@linkcode KEYSCAN_TYPES}. */
export type KeyscanType = typeof KEYSCAN_TYPES[number];

const ALGORITHMS: Record<KeyscanType, string[]> = {
  ed25519: ["ssh-ed25519"],
  ecdsa: ["ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"],
  rsa: ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
};

/** A key a host presented. */
export interface ScannedKey {
  /** The key type asked for. */
  readonly requested: KeyscanType;
  /** Key type inside the blob (`ssh-ed25519`, …). */
  readonly keyType: string;
  /** `SHA256:…`. */
  readonly fingerprint: string;
  /** A known_hosts line: `name type base64` (`[name]:port` off port 22). */
  readonly knownHostsLine: string;
}

/** The outcome for one host. */
export interface KeyscanResult {
  /** The host as connected to. */
  readonly host: string;
  /** Port. */
  readonly port: number;
  /** Keys found, in the order asked. */
  readonly keys: readonly ScannedKey[];
  /** Per type that gave no key: why. */
  readonly errors: readonly { type: KeyscanType; error: string }[];
}

/** Options for {@linkcode keyscan}. */
export interface KeyscanOptions {
  /** Key types (default ed25519, ecdsa, rsa). */
  types?: readonly KeyscanType[];
  /** Per handshake (default 10 s). */
  timeoutMs?: number;
  /** Aborts. */
  signal?: AbortSignal;
  /** Name for the known_hosts lines (default `host`). */
  name?: string;
}

function scanOne(
  host: string,
  port: number,
  type: KeyscanType,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    sock.setNoDelay(true);
    const client = newSsh2Client();
    let key: Uint8Array | undefined;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      try {
        client.destroy();
      } catch { /* not connected */ }
      sock.destroy();
      if (key) resolve(key);
      else reject(err ?? new Error("no key presented"));
    };
    const timer = setTimeout(
      () => finish(new Error(`timed out after ${timeoutMs / 1000}s`)),
      timeoutMs,
    );
    const onAbort = () => finish(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    sock.once(
      "error",
      (err: Error & { code?: string }) =>
        finish(new Error(err.code === "ECONNREFUSED" ? "connection refused" : err.message)),
    );
    sock.once("connect", () => {
      client.on("error", (err) => {
        const msg = /no matching/i.test(err.message)
          ? `the server offers no ${type} host key`
          : err.message;
        finish(new Error(msg));
      });
      client.on("close", () => finish());
      client.connect({
        sock,
        username: "relay-shell-keyscan",
        hostVerifier: (blob, verify) => {
          key = new Uint8Array(blob);
          verify(false);
          finish();
        },
        authHandler: (_m, _p, next) => next(false),
        readyTimeout: 0,
        keepaliveInterval: 0,
        keepaliveCountMax: 0,
        algorithms: { compress: ["none"], serverHostKey: ALGORITHMS[type] },
      });
    });
  });
}

/** Collects the host keys of `host:port`, one handshake per key type (run in parallel). */
export async function keyscan(
  host: string,
  port: number,
  options: KeyscanOptions = {},
): Promise<KeyscanResult> {
  const types = options.types ?? KEYSCAN_TYPES;
  const name = knownHostsName(options.name ?? host, port);
  const settled = await Promise.allSettled(
    types.map((t) => scanOne(host, port, t, options.timeoutMs ?? 10_000, options.signal)),
  );
  const keys: ScannedKey[] = [];
  const errors: { type: KeyscanType; error: string }[] = [];
  settled.forEach((s, i) => {
    if (s.status === "rejected") {
      errors.push({ type: types[i], error: (s.reason as Error)?.message ?? String(s.reason) });
      return;
    }
    const keyType = publicKeyType(s.value) ?? "unknown";
    keys.push({
      requested: types[i],
      keyType,
      fingerprint: fingerprintSha256(s.value),
      knownHostsLine: `${name} ${keyType} ${encodeBase64(s.value)}`,
    });
  });
  return { host, port, keys, errors };
}
