/**
 * The `spec` of a port forward, as `ssh_forward` takes it: `L:[bind:]port:dest_host:dest_port`,
 * `R:[bind:]port:dest_host:dest_port` or `D:[bind:]port`. IPv6 addresses are written in brackets
 * (`[::1]`); port 0 asks for any free port. Parsing does no I/O, so a bad spec is refused before
 * any connection is made, with a message that names `spec` and shows the expected form.
 */
import { formatIPv6, parseIPv6 } from "../../policy/mod.ts";

/** The three kinds of forward: local (-L), remote (-R), dynamic SOCKS5 (-D). */
export type ForwardKind = "L" | "R" | "D";

/** A parsed, normalized forward spec. */
export interface ForwardSpec {
  /** -L, -R or -D. */
  readonly kind: ForwardKind;
  /** Listen address (`127.0.0.1` unless given; IPv6 without brackets; `*` = every interface). */
  readonly bindHost: string;
  /** Listen port (0 = any free port). */
  readonly bindPort: number;
  /** Destination host (L, R; "" for D); IPv6 without brackets. */
  readonly destHost: string;
  /** Destination port (L, R; 0 for D). */
  readonly destPort: number;
}

/** The address a forward listens on when the spec names none. */
export const DEFAULT_BIND = "127.0.0.1";

const FORMS: Record<ForwardKind, string> = {
  L: "L:[bind:]port:dest_host:dest_port",
  R: "R:[bind:]port:dest_host:dest_port",
  D: "D:[bind:]port",
};

function bad(why: string, kind?: ForwardKind): TypeError {
  const form = kind ? FORMS[kind] : `${FORMS.L}, ${FORMS.R} or ${FORMS.D}`;
  return new TypeError(`spec: ${why}; expected ${form} (IPv6 in brackets, port 0 = any)`);
}

/** Splits on `:` outside brackets; brackets stay on their part. */
function splitParts(text: string, kind: ForwardKind): string[] {
  const parts: string[] = [];
  let cur = "";
  let depth = 0;
  for (const ch of text) {
    if (ch === "[") {
      if (depth > 0 || cur !== "") throw bad("'[' may only open an address", kind);
      depth++;
    } else if (ch === "]") {
      if (depth === 0) throw bad("unbalanced ']'", kind);
      depth--;
    } else if (ch === ":" && depth === 0) {
      parts.push(cur);
      cur = "";
      continue;
    } else if (depth === 0 && cur.endsWith("]")) {
      throw bad(`unexpected '${ch}' after ']'`, kind);
    }
    cur += ch;
  }
  if (depth !== 0) throw bad("unclosed '['", kind);
  parts.push(cur);
  return parts;
}

function parsePort(text: string, what: string, min: number, kind: ForwardKind): number {
  if (!/^\d{1,5}$/.test(text)) throw bad(`${what} '${text}' is not a port number`, kind);
  const n = Number(text);
  if (n < min || n > 65535) throw bad(`${what} ${n} is out of range ${min}..65535`, kind);
  return n;
}

/** An address part: `[v6]`, IPv4, or (when `names`) a host name. Returns it without brackets. */
function parseAddress(text: string, what: string, names: boolean, kind: ForwardKind): string {
  if (text.startsWith("[")) {
    const inner = text.slice(1, -1);
    const groups = parseIPv6(inner);
    if (!text.endsWith("]") || !groups) throw bad(`${what} ${text} is not an IPv6 address`, kind);
    return formatIPv6(groups);
  }
  if (text === "") throw bad(`${what} is empty`, kind);
  if (text.includes(":")) throw bad(`${what} ${text}: write an IPv6 address in brackets`, kind);
  if (/^[0-9.]+$/.test(text)) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
    if (!m || m.slice(1).some((b) => Number(b) > 255)) {
      throw bad(`${what} ${text} is not an IPv4 address`, kind);
    }
    return m.slice(1).map(Number).join(".");
  }
  if (!names) {
    if (text === "*" || text.toLowerCase() === "localhost") return text.toLowerCase();
    throw bad(`${what} ${text} must be an IP address, localhost or *`, kind);
  }
  if (text.length > 253 || !/^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/.test(text)) {
    throw bad(`${what} ${text} is not a host name`, kind);
  }
  return text;
}

/** Parses a forward spec; throws a TypeError naming `spec` when it is malformed. */
export function parseForwardSpec(spec: string): ForwardSpec {
  const text = spec.trim();
  const m = /^([LRDlrd]):(.*)$/s.exec(text);
  if (!m) throw bad(`'${spec}' must start with L:, R: or D:`);
  const kind = m[1].toUpperCase() as ForwardKind;
  const parts = splitParts(m[2], kind);
  const want = kind === "D" ? [1, 2] : [3, 4];
  if (!want.includes(parts.length)) {
    throw bad(
      `'${spec}' has ${parts.length} field${parts.length === 1 ? "" : "s"} after ${kind}:`,
      kind,
    );
  }
  const hasBind = parts.length === want[1];
  const bindHost = hasBind ? parseAddress(parts[0], "bind address", false, kind) : DEFAULT_BIND;
  const rest = hasBind ? parts.slice(1) : parts;
  const bindPort = parsePort(rest[0], "listen port", 0, kind);
  if (kind === "D") return { kind, bindHost, bindPort, destHost: "", destPort: 0 };
  const destHost = parseAddress(rest[1], "dest_host", true, kind);
  const destPort = parsePort(rest[2], "dest_port", 1, kind);
  return { kind, bindHost, bindPort, destHost, destPort };
}

/** `host` as it appears in a spec (IPv6 in brackets). */
export function specHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** The normalized text of a spec (`L:127.0.0.1:8080:db:5432`); `port` overrides the listen port. */
export function formatForwardSpec(s: ForwardSpec, port = s.bindPort): string {
  const head = `${s.kind}:${specHost(s.bindHost)}:${port}`;
  return s.kind === "D" ? head : `${head}:${specHost(s.destHost)}:${s.destPort}`;
}

/** True when the listen address is a loopback address (only this machine can connect). */
export function isLoopbackBind(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  return /^127\.\d+\.\d+\.\d+$/.test(host);
}
