/**
 * Host tokens as callers write them: `alias`, `host`, `user@host`, `host:port`,
 * `user@host:port`, `[v6addr]:port`, a bare IPv6 address, and ProxyJump chains of such tokens
 * separated by commas (or `none`). The user is everything before the last `@`, as in ssh(1).
 */

/** A parsed host token. */
export interface HostToken {
  /** The user given before `@`, if any. */
  readonly user?: string;
  /** The host part: an alias, a name or an address (brackets removed). */
  readonly host: string;
  /** The port given after `:`, if any. */
  readonly port?: number;
}

const HOST_CHARS = /^[A-Za-z0-9._:%-]+$/;
const BAD_USER_CHARS = /[\s,/'"`$;&|<>():]/;

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Checks a host part; TypeError naming `argument`. */
export function checkHostName(host: string, argument = "host"): string {
  if (host === "") throw new TypeError(`${argument}: host name is empty`);
  if (host.length > 255) {
    throw new TypeError(`${argument}: host name is longer than 255 characters`);
  }
  if (host.startsWith("-")) throw new TypeError(`${argument}: host name must not start with '-'`);
  if (!HOST_CHARS.test(host)) {
    throw new TypeError(
      `${argument}: host name ${JSON.stringify(host)} has a forbidden character ` +
        "(allowed: letters, digits, '.', '-', '_', ':' and '%')",
    );
  }
  return host;
}

/** Checks a user name; TypeError naming `argument`. */
export function checkUserName(user: string, argument = "user"): string {
  if (user === "") throw new TypeError(`${argument}: user name is empty`);
  if (user.length > 255) {
    throw new TypeError(`${argument}: user name is longer than 255 characters`);
  }
  if (user.startsWith("-")) throw new TypeError(`${argument}: user name must not start with '-'`);
  if (BAD_USER_CHARS.test(user) || hasControl(user)) {
    throw new TypeError(`${argument}: user name ${JSON.stringify(user)} has a forbidden character`);
  }
  return user;
}

/** Parses a port given as text or number; RangeError naming `argument` outside 1..65535. */
export function checkPort(port: string | number, argument = "port"): number {
  const n = typeof port === "number" ? port : /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new RangeError(`${argument}: port must be an integer in 1..65535 (got ${String(port)})`);
  }
  return n;
}

/** Parses `[user@]host[:port]` (brackets for IPv6 with a port); TypeError/RangeError naming `argument`. */
export function parseHostToken(token: string, argument = "host"): HostToken {
  const text = token.trim();
  if (text === "") throw new TypeError(`${argument}: empty host`);
  const at = text.lastIndexOf("@");
  const user = at >= 0 ? checkUserName(text.slice(0, at), argument) : undefined;
  const rest = text.slice(at + 1);
  let host: string;
  let port: number | undefined;
  if (rest.startsWith("[")) {
    const m = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
    if (!m) {
      throw new TypeError(`${argument}: expected [address]:port, got ${JSON.stringify(rest)}`);
    }
    host = m[1];
    if (m[2] !== undefined) port = checkPort(m[2], argument);
  } else {
    const colons = rest.split(":").length - 1;
    if (colons === 1) {
      const i = rest.indexOf(":");
      host = rest.slice(0, i);
      port = checkPort(rest.slice(i + 1), argument);
    } else {
      host = rest; // no port, or a bare IPv6 address
    }
  }
  checkHostName(host, argument);
  return { user, host, port };
}

/** Writes a token back as `user@host:port` (brackets around IPv6 when a port follows). */
export function formatHostToken(token: HostToken): string {
  const host = token.port !== undefined && token.host.includes(":")
    ? `[${token.host}]`
    : token.host;
  return `${token.user ? `${token.user}@` : ""}${host}${
    token.port !== undefined ? `:${token.port}` : ""
  }`;
}

/** Parses a ProxyJump value: `none` gives [], otherwise the comma-separated hops in order. */
export function parseJumpChain(spec: string, argument = "jump"): HostToken[] {
  const text = spec.trim();
  if (text === "" || text.toLowerCase() === "none") return [];
  return text.split(",").map((hop) => {
    const h = hop.trim().replace(/^ssh:\/\//, "");
    return parseHostToken(h, argument);
  });
}
