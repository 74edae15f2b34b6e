/**
 * The OpenSSH known_hosts format: `[@marker] hosts keytype base64 [comment]`, where `hosts` is a
 * comma list of patterns (`*`, `?`, `!negation`, `[host]:port`) or one hashed name
 * (`|1|base64 salt|base64 HMAC-SHA1(salt, name)`). Bad lines are reported with their line
 * number and skipped, never fatal.
 */
import { createHmac, randomBytes } from "node:crypto";
import { decodeBase64, encodeBase64, publicKeyType, sameBytes } from "./fingerprint.ts";
import { matchPatternList } from "./host_patterns.ts";

/** A line marker: `@cert-authority`, `@revoked`, or none. */
export type KnownHostsMarker = "cert-authority" | "revoked" | null;

/** One key line of a known_hosts file. */
export interface KnownHostsEntry {
  /** The file it came from. */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** The marker, if any. */
  readonly marker: KnownHostsMarker;
  /** The host field as written (patterns or a hashed name). */
  readonly hosts: string;
  /** The salt and digest when the host field is hashed. */
  readonly hashed?: { readonly salt: Uint8Array; readonly digest: Uint8Array };
  /** Key type word (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, …). */
  readonly keyType: string;
  /** The raw public-key blob. */
  readonly key: Uint8Array;
  /** The comment after the key, or "". */
  readonly comment: string;
}

/** A line that could not be used, with the reason. */
export interface KnownHostsProblem {
  /** The file. */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** What is wrong with it. */
  readonly message: string;
}

/** The usable entries and the problems of one known_hosts text. */
export interface KnownHostsParseResult {
  /** Key lines in file order. */
  readonly entries: readonly KnownHostsEntry[];
  /** Malformed lines, reported and skipped. */
  readonly problems: readonly KnownHostsProblem[];
}

const HASH_MAGIC = "|1|";
const SHA1_LEN = 20;

/**
 * The name a host is looked up under: the host in lower case for port 22, `[host]:port` for any
 * other port (OpenSSH's `put_host_port`).
 */
export function knownHostsName(host: string, port = 22): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** `|1|salt|hash` for a lookup name; a fresh random salt unless one is given (20 bytes). */
export function hashHostName(name: string, salt?: Uint8Array): string {
  const s = salt ?? new Uint8Array(randomBytes(SHA1_LEN));
  const digest = new Uint8Array(createHmac("sha1", s).update(name).digest());
  return `${HASH_MAGIC}${encodeBase64(s)}|${encodeBase64(digest)}`;
}

/** True when `entry`'s host field names the lookup `name` (see {@linkcode knownHostsName}). */
export function entryMatchesHost(entry: KnownHostsEntry, name: string): boolean {
  if (entry.hashed) {
    const digest = new Uint8Array(
      createHmac("sha1", entry.hashed.salt).update(name.toLowerCase()).digest(),
    );
    return sameBytes(digest, entry.hashed.digest);
  }
  return matchPatternList(name, entry.hosts, true) === 1;
}

function parseHashed(field: string): KnownHostsEntry["hashed"] | string {
  const parts = field.slice(HASH_MAGIC.length).split("|");
  if (parts.length !== 2) return "hashed host field must be |1|salt|hash";
  const salt = decodeBase64(parts[0]);
  const digest = decodeBase64(parts[1]);
  if (!salt || salt.length !== SHA1_LEN || !digest || digest.length !== SHA1_LEN) {
    return "hashed host field has a bad salt or hash (expected 20-byte base64 values)";
  }
  return { salt, digest };
}

/** Parses one line; a string is the reason it is unusable, null a blank or comment line. */
function parseLine(text: string, file: string, line: number): KnownHostsEntry | string | null {
  const trimmed = text.replace(/^[ \t]+/, "").replace(/\r$/, "");
  if (trimmed === "" || trimmed.startsWith("#")) return null;
  const words = trimmed.split(/[ \t]+/);
  let marker: KnownHostsMarker = null;
  if (words[0].startsWith("@")) {
    const m = words.shift()!;
    if (m === "@cert-authority") marker = "cert-authority";
    else if (m === "@revoked") marker = "revoked";
    else return `unknown marker ${JSON.stringify(m.slice(0, 40))}`;
  }
  if (words.length < 3) return "expected '[marker] hosts keytype base64 [comment]'";
  const [hosts, keyType, b64, ...rest] = words;
  let hashed: KnownHostsEntry["hashed"];
  if (hosts.startsWith(HASH_MAGIC)) {
    const parsed = parseHashed(hosts);
    if (typeof parsed === "string") return parsed;
    hashed = parsed;
  } else if (hosts.startsWith("|")) {
    return "unsupported hashed host field (only |1| is defined)";
  }
  if (/^\d+$/.test(keyType)) return "SSH protocol 1 RSA keys are not supported";
  const key = decodeBase64(b64);
  if (!key) return `key for ${keyType} is not valid base64`;
  const inner = publicKeyType(key);
  if (inner !== keyType) {
    return `key type ${keyType} does not match the key blob (${inner ?? "unreadable"})`;
  }
  return { file, line, marker, hosts, hashed, keyType, key, comment: rest.join(" ") };
}

/** Parses known_hosts text; malformed lines become problems with their line number. */
export function parseKnownHosts(text: string, file: string): KnownHostsParseResult {
  const entries: KnownHostsEntry[] = [];
  const problems: KnownHostsProblem[] = [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  lines.forEach((raw, i) => {
    const parsed = parseLine(raw, file, i + 1);
    if (parsed === null) return;
    if (typeof parsed === "string") problems.push({ file, line: i + 1, message: parsed });
    else entries.push(parsed);
  });
  return { entries, problems };
}
