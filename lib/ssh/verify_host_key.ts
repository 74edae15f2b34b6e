/**
 * The three host-key modes. `strict` accepts only a recorded key; `accept-new` is real trust on
 * first use: an unknown host's key is recorded in the first user known_hosts file and accepted,
 * while a changed, other-type or revoked key is refused exactly as in `strict`; `ignore` accepts
 * anything but still reports the fingerprint. Refusals are {@linkcode HostKeyError}s.
 */
import {
  type HostKeyErrorDetails,
  HostKeyMismatchError,
  HostKeyRevokedError,
  HostKeyUnknownError,
  type KnownKeyRef,
} from "./host_key_errors.ts";
import { fingerprintSha256 } from "./fingerprint.ts";
import {
  checkHostKey,
  type HostKeyStatus,
  keyTypeOf,
  type KnownHostsMode,
  type KnownHostsStore,
} from "./known_hosts.ts";
import { knownHostsName, type KnownHostsProblem } from "./known_hosts_file.ts";
import { recordHostKey } from "./record_host_key.ts";

/** Options for {@linkcode verifyHostKey}. */
export interface VerifyHostKeyOptions {
  /** Host as looked up: the HostKeyAlias or HostName (not an ssh_config alias). */
  readonly host: string;
  /** Port (default 22). */
  readonly port?: number;
  /** The presented key blob. */
  readonly key: Uint8Array;
  /** How to check. */
  readonly mode: KnownHostsMode;
  /** User known_hosts files; `accept-new` records into the first. */
  readonly userFiles: readonly string[];
  /** Read-only global files (e.g. /etc/ssh/ssh_known_hosts). */
  readonly globalFiles?: readonly string[];
  /** Record hashed names (`HashKnownHosts yes`). */
  readonly hashKnownHosts?: boolean;
  /** Parse cache. */
  readonly store?: KnownHostsStore;
  /** Home directory, to print `~/…` paths in messages. */
  readonly home?: string;
}

/** The accepted outcome of {@linkcode verifyHostKey}. */
export interface HostKeyVerification {
  /** The mode applied. */
  readonly mode: KnownHostsMode;
  /** Host and port as looked up. */
  readonly host: string;
  /** Port. */
  readonly port: number;
  /** The known_hosts lookup name. */
  readonly name: string;
  /** Type of the presented key. */
  readonly keyType: string;
  /** `SHA256:…` of the presented key. */
  readonly fingerprint: string;
  /** `match`, `unknown` (recorded under accept-new) or `unchecked` (ignore). */
  readonly status: HostKeyStatus | "unchecked";
  /** The line written under accept-new, or null. */
  readonly recorded: KnownKeyRef | null;
  /** The entries behind the status. */
  readonly known: readonly KnownKeyRef[];
  /** Malformed known_hosts lines met on the way. */
  readonly problems: readonly KnownHostsProblem[];
}

function refuse(
  status: HostKeyStatus,
  details: HostKeyErrorDetails,
  known: readonly KnownKeyRef[],
  reason: "changed" | "other-key-types" | undefined,
  files: readonly string[],
): never {
  if (status === "revoked") throw new HostKeyRevokedError({ ...details, entry: known[0] });
  if (status === "mismatch") {
    throw new HostKeyMismatchError({ ...details, expected: known, reason: reason ?? "changed" });
  }
  throw new HostKeyUnknownError({
    ...details,
    reason: status === "ca-only" ? "ca-only" : "unknown",
    files,
  });
}

/** Checks (and under accept-new records) a presented host key; throws a HostKeyError to refuse. */
export async function verifyHostKey(options: VerifyHostKeyOptions): Promise<HostKeyVerification> {
  const port = options.port ?? 22;
  const keyType = keyTypeOf(options.key);
  const fingerprint = fingerprintSha256(options.key);
  const base = {
    mode: options.mode,
    host: options.host,
    port,
    name: knownHostsName(options.host, port),
    keyType,
    fingerprint,
  };
  if (options.mode === "ignore") {
    return { ...base, status: "unchecked", recorded: null, known: [], problems: [] };
  }
  if (options.mode === "accept-new" && options.userFiles.length === 0) {
    throw new TypeError("userFiles: accept-new needs a user known_hosts file to record into");
  }
  const files = [...options.userFiles, ...(options.globalFiles ?? [])];
  const details: HostKeyErrorDetails = {
    host: options.host,
    port,
    keyType,
    fingerprint,
    home: options.home,
  };
  const check = await checkHostKey({
    host: options.host,
    port,
    key: options.key,
    files,
    store: options.store,
  });
  if (check.status === "match") {
    return {
      ...base,
      status: "match",
      recorded: null,
      known: check.known,
      problems: check.problems,
    };
  }
  if (check.status !== "unknown" || options.mode === "strict") {
    refuse(check.status, details, check.known, check.reason, files);
  }
  const rec = await recordHostKey({
    host: options.host,
    port,
    key: options.key,
    file: options.userFiles[0],
    hash: options.hashKnownHosts,
    store: options.store,
  });
  if (rec.recorded) {
    return {
      ...base,
      status: "unknown",
      recorded: rec.known[0],
      known: rec.known,
      problems: check.problems,
    };
  }
  // Another connect recorded a key for this host between our check and the lock.
  if (rec.status === "match") {
    return { ...base, status: "match", recorded: null, known: rec.known, problems: check.problems };
  }
  refuse(rec.status, details, rec.known, rec.reason, files);
}
