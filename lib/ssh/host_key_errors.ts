/**
 * Errors for host-key verification. Every message names the host as known_hosts spells it
 * (`[host]:port` off port 22), both fingerprints where there are two, the file and line of the
 * conflicting entry, and what to do next. No message holds a secret.
 */

/** A known_hosts entry as reported in results and errors. */
export interface KnownKeyRef {
  /** The known_hosts file. */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** Key type of the entry. */
  readonly keyType: string;
  /** `SHA256:…` of the entry's key. */
  readonly fingerprint: string;
}

/** What every host-key error carries. */
export interface HostKeyErrorDetails {
  /** Host as looked up (the HostKeyAlias or HostName, not the alias). */
  readonly host: string;
  /** Port. */
  readonly port: number;
  /** Type of the key the server presented. */
  readonly keyType: string;
  /** `SHA256:…` of the presented key. */
  readonly fingerprint: string;
  /** Home directory used to shorten paths to `~/…` in messages (optional). */
  readonly home?: string;
}

/** The known_hosts spelling of host and port: `host` for 22, `[host]:port` otherwise. */
function hostLabel(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A path for a shell command line: `~/` kept outside the quotes, quoted only when needed. */
function shellPath(path: string): string {
  const quote = (t: string) => (/^[A-Za-z0-9_./:@%+=,-]+$/.test(t) ? t : shellQuote(t));
  return path.startsWith("~/") ? `~/${quote(path.slice(2))}` : quote(path);
}

function shortPath(path: string, home?: string): string {
  return home && home !== "/" && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

function refText(ref: KnownKeyRef, home?: string): string {
  const where = ref.line > 0 ? `${shortPath(ref.file, home)}:${ref.line}` : ref.file;
  return `${ref.fingerprint} (${where})`;
}

function removeHint(label: string, file: string, home?: string): string {
  if (!file.startsWith("/")) return `ssh-keygen -R ${shellQuote(label)}`;
  const isDefault = home !== undefined && file === `${home}/.ssh/known_hosts`;
  return `ssh-keygen -R ${shellQuote(label)}${
    isDefault ? "" : ` -f ${shellPath(shortPath(file, home))}`
  }`;
}

/** Base class of every host-key refusal; `instanceof HostKeyError` catches them all. */
export class HostKeyError extends Error {
  /** Host as looked up. */
  readonly host: string;
  /** Port. */
  readonly port: number;
  /** Type of the presented key. */
  readonly keyType: string;
  /** `SHA256:…` of the presented key. */
  readonly fingerprint: string;
  /** Builds the error with a ready message. */
  constructor(details: HostKeyErrorDetails, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HostKeyError";
    this.host = details.host;
    this.port = details.port;
    this.keyType = details.keyType;
    this.fingerprint = details.fingerprint;
  }
}

/** Why a known host's key is refused: the same type changed, or only other types are known. */
export type MismatchReason = "changed" | "other-key-types";

/** The host is known with a different key (a changed key, or only keys of other types). */
export class HostKeyMismatchError extends HostKeyError {
  /** The recorded keys that conflict, first one first. */
  readonly expected: readonly KnownKeyRef[];
  /** `changed` (same type, other key) or `other-key-types` (this type is not known). */
  readonly reason: MismatchReason;
  /** Builds the error; the message tells how to remove the old entry. */
  constructor(
    details: HostKeyErrorDetails & { expected: readonly KnownKeyRef[]; reason: MismatchReason },
    options?: ErrorOptions,
  ) {
    const label = hostLabel(details.host, details.port);
    const known = details.expected.map((r) => refText(r, details.home)).join(", ");
    const first = details.expected[0];
    const hint = first
      ? `; if the change is expected, remove the old entry with ${
        removeHint(label, first.file, details.home)
      }`
      : "";
    const message = details.reason === "changed"
      ? `Host key for ${label} changed: known ${known}, presented ${details.fingerprint}${hint}`
      : `Host key for ${label} is of a type not known for this host: known ${
        details.expected.map((r) => `${r.keyType} ${refText(r, details.home)}`).join(", ")
      }, presented ${details.keyType} ${details.fingerprint}${hint}`;
    super(details, message, options);
    this.name = "HostKeyMismatchError";
    this.expected = details.expected;
    this.reason = details.reason;
  }
}

/** Why a host counts as unknown: no entry at all, or only `@cert-authority` entries. */
export type UnknownReason = "unknown" | "ca-only";

/** Strict checking refused a host with no usable known_hosts entry. */
export class HostKeyUnknownError extends HostKeyError {
  /** `unknown`, or `ca-only` when only `@cert-authority` lines name the host. */
  readonly reason: UnknownReason;
  /** The files that were searched. */
  readonly files: readonly string[];
  /** Builds the error; the message says how to add the key or relax the mode. */
  constructor(
    details: HostKeyErrorDetails & { reason: UnknownReason; files: readonly string[] },
    options?: ErrorOptions,
  ) {
    const label = hostLabel(details.host, details.port);
    const where = details.files.map((f) => shortPath(f, details.home)).join(", ") || "(none)";
    const scan = `ssh-keyscan${details.port === 22 ? "" : ` -p ${details.port}`} ${
      shellQuote(details.host)
    }`;
    const message = details.reason === "ca-only"
      ? `Host key for ${label} cannot be verified: known_hosts trusts it only through ` +
        `@cert-authority lines and certificate host keys are not supported; presented ` +
        `${details.keyType} ${details.fingerprint}. Add the host's plain key (checked: ${scan})`
      : `Host key for ${label} is not known (searched ${where}); presented ${details.keyType} ` +
        `${details.fingerprint}. Check the fingerprint and add it (${scan} >> ${
          shellPath(shortPath(details.files[0] ?? "~/.ssh/known_hosts", details.home))
        }) ` +
        `or connect once with known_hosts=accept-new`;
    super(details, message, options);
    this.name = "HostKeyUnknownError";
    this.reason = details.reason;
    this.files = details.files;
  }
}

/** The presented key is marked `@revoked` for this host. */
export class HostKeyRevokedError extends HostKeyError {
  /** The `@revoked` line. */
  readonly entry: KnownKeyRef;
  /** Builds the error naming the `@revoked` line. */
  constructor(details: HostKeyErrorDetails & { entry: KnownKeyRef }, options?: ErrorOptions) {
    const label = hostLabel(details.host, details.port);
    super(
      details,
      `Host key for ${label} is revoked: presented ${details.keyType} ${details.fingerprint} ` +
        `is marked @revoked at ${
          shortPath(details.entry.file, details.home)
        }:${details.entry.line}; ` +
        `refusing to connect`,
      options,
    );
    this.name = "HostKeyRevokedError";
    this.entry = details.entry;
  }
}
