/**
 * Errors of SSH connections and channels. Every message names the host as `user@host:port`
 * and says what to do; none holds a credential (only the NAMES of the variables that hold them).
 */

/** Base class: something went wrong talking to one host. */
export class SshError extends Error {
  /** `user@host:port` of the connection. */
  readonly host: string;
  /** Builds the error. */
  constructor(host: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SshError";
    this.host = host;
  }
}

/** The TCP connection or the SSH handshake failed, or timed out. */
export class SshConnectError extends SshError {
  /** `tcp`, `handshake`, `auth` or `jump`: where it failed. */
  readonly phase: string;
  /** Builds the error. */
  constructor(host: string, phase: string, message: string, options?: ErrorOptions) {
    super(host, message, options);
    this.name = "SshConnectError";
    this.phase = phase;
  }
}

/** Every authentication method was refused; `attempts` lists what was tried and why it failed. */
export class SshAuthError extends SshError {
  /** One line per method tried or skipped. */
  readonly attempts: readonly string[];
  /** Builds the error. */
  constructor(host: string, attempts: readonly string[], options?: ErrorOptions) {
    super(
      host,
      `Authentication to ${host} failed; tried: ${
        attempts.length ? attempts.join("; ") : "nothing (no agent, key or password_env)"
      }`,
      options,
    );
    this.name = "SshAuthError";
    this.attempts = attempts;
  }
}

/** A private key could not be used (encrypted without a passphrase variable, unreadable, …). */
export class SshKeyError extends SshError {
  /** The key file. */
  readonly file: string;
  /** Builds the error. */
  constructor(host: string, file: string, message: string, options?: ErrorOptions) {
    super(host, message, options);
    this.name = "SshKeyError";
    this.file = file;
  }
}

/** The connection dropped (server gone, network, keepalive timeout). */
export class SshConnectionLostError extends SshError {
  /** Output of the command that was running when it dropped (head + tail), if any. */
  partialOutput?: string;
  /** Bytes that command had produced. */
  partialBytes?: number;
  /** Builds the error. */
  constructor(host: string, detail: string, options?: ErrorOptions) {
    super(host, `Connection to ${host} was lost${detail ? ` (${detail})` : ""}`, options);
    this.name = "SshConnectionLostError";
  }
}

/** A configured feature relay-shell does not support (ProxyCommand). */
export class SshUnsupportedError extends SshError {
  /** Builds the error. */
  constructor(host: string, message: string) {
    super(host, message);
    this.name = "SshUnsupportedError";
  }
}

/** The server refused to open a channel or a request on it. */
export class SshChannelError extends SshError {
  /** Builds the error. */
  constructor(host: string, message: string, options?: ErrorOptions) {
    super(host, message, options);
    this.name = "SshChannelError";
  }
}

/** `user@host:port` (IPv6 bracketed) for messages and pool labels. */
export function hostLabel(t: { user: string; hostname: string; port: number }): string {
  const h = t.hostname.includes(":") ? `[${t.hostname}]` : t.hostname;
  return `${t.user}@${h}:${t.port}`;
}
