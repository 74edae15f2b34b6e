/**
 * Host-key lookup against OpenSSH known_hosts files: classify a presented key as `match`,
 * `unknown`, `mismatch`, `revoked` or `ca-only`, list the key types known for a host (so the
 * connection can prefer them), and cache parsed files by inode, size and mtime.
 *
 * Safe choices (see docs/adr): a host known only with keys of OTHER types than the one presented
 * is a `mismatch` (reason `other-key-types`), not a new host, so a man in the middle cannot dodge
 * the changed-key check by offering another key type. `@cert-authority` lines do not vouch for a
 * plain key (certificates are not supported); a host named only by them is `ca-only`.
 */
import { fingerprintSha256, publicKeyType, sameBytes } from "./fingerprint.ts";
import type { KnownKeyRef, MismatchReason } from "./host_key_errors.ts";
import {
  entryMatchesHost,
  type KnownHostsEntry,
  knownHostsName,
  type KnownHostsParseResult,
  type KnownHostsProblem,
  parseKnownHosts,
} from "./known_hosts_file.ts";

/** How host keys are checked: refuse unknown hosts, trust on first use, or do not check. */
export type KnownHostsMode = "strict" | "accept-new" | "ignore";

/** Every {@linkcode KnownHostsMode}, for schemas. */
export const KNOWN_HOSTS_MODES: readonly KnownHostsMode[] = ["strict", "accept-new", "ignore"];

/** The outcome of looking a presented key up. */
export type HostKeyStatus = "match" | "unknown" | "mismatch" | "revoked" | "ca-only";

/** The result of {@linkcode checkHostKey}. */
export interface HostKeyCheck {
  /** What the files say about the presented key. */
  readonly status: HostKeyStatus;
  /** For `mismatch`: the same type changed, or only other types are known. */
  readonly reason?: MismatchReason;
  /** The name looked up (`host` or `[host]:port`, lower case). */
  readonly name: string;
  /** Type of the presented key. */
  readonly keyType: string;
  /** `SHA256:…` of the presented key. */
  readonly fingerprint: string;
  /** The entries behind the status (the matching one, the conflicting ones, the revocation). */
  readonly known: readonly KnownKeyRef[];
  /** Malformed lines met in the files read (reported, skipped). */
  readonly problems: readonly KnownHostsProblem[];
}

/**
 * True when a file changed so recently that a same-size rewrite within the clock's resolution
 * could go unnoticed; such files are not cached (git's "racy" rule).
 */
export function racy(st: Deno.FileInfo, now = Date.now()): boolean {
  const m = st.mtime?.getTime();
  return m === undefined || now - m < 2000;
}

/** Parsed known_hosts files cached by inode, size and mtime; missing files read as empty. */
export class KnownHostsStore {
  #cache = new Map<string, { stamp: string; parsed: KnownHostsParseResult }>();

  /** The parsed file; an unreadable file yields one problem at line 0. */
  async read(file: string): Promise<KnownHostsParseResult> {
    let stamp: string;
    let st: Deno.FileInfo;
    try {
      st = await Deno.stat(file);
      stamp = `${st.ino}:${st.size}:${st.mtime?.getTime()}`;
    } catch (err) {
      this.#cache.delete(file);
      if (err instanceof Deno.errors.NotFound) return { entries: [], problems: [] };
      return { entries: [], problems: [{ file, line: 0, message: `cannot read: ${err}` }] };
    }
    const hit = this.#cache.get(file);
    if (hit && hit.stamp === stamp) return hit.parsed;
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return { entries: [], problems: [] };
      return { entries: [], problems: [{ file, line: 0, message: `cannot read: ${err}` }] };
    }
    const parsed = parseKnownHosts(text, file);
    if (!racy(st)) this.#cache.set(file, { stamp, parsed });
    return parsed;
  }

  /** Every entry of `files` in order, plus their problems. */
  async readAll(files: readonly string[]): Promise<KnownHostsParseResult> {
    const entries: KnownHostsEntry[] = [];
    const problems: KnownHostsProblem[] = [];
    for (const file of files) {
      const r = await this.read(file);
      entries.push(...r.entries);
      problems.push(...r.problems);
    }
    return { entries, problems };
  }

  /** Forgets a file so the next read parses it again. */
  invalidate(file: string): void {
    this.#cache.delete(file);
  }
}

/** The store used when none is passed. */
export const defaultKnownHostsStore: KnownHostsStore = new KnownHostsStore();

/** A reference to an entry, as reported. */
export function knownKeyRef(entry: KnownHostsEntry): KnownKeyRef {
  return {
    file: entry.file,
    line: entry.line,
    keyType: entry.keyType,
    fingerprint: fingerprintSha256(entry.key),
  };
}

/** What {@linkcode classifyHostKey} needs. */
export interface ClassifyHostKeyInput {
  /** Lookup name from {@linkcode knownHostsName}. */
  readonly name: string;
  /** Type of the presented key. */
  readonly keyType: string;
  /** The presented key blob. */
  readonly key: Uint8Array;
}

/** Classifies a presented key against parsed entries (pure; see the module notes). */
export function classifyHostKey(
  entries: readonly KnownHostsEntry[],
  input: ClassifyHostKeyInput,
): { status: HostKeyStatus; reason?: MismatchReason; known: KnownKeyRef[] } {
  const forHost = entries.filter((e) => entryMatchesHost(e, input.name));
  const revoked = forHost.find((e) => e.marker === "revoked" && sameBytes(e.key, input.key));
  if (revoked) return { status: "revoked", known: [knownKeyRef(revoked)] };
  const plain = forHost.filter((e) => e.marker === null);
  const exact = plain.find((e) => e.keyType === input.keyType && sameBytes(e.key, input.key));
  if (exact) return { status: "match", known: [knownKeyRef(exact)] };
  const sameType = plain.filter((e) => e.keyType === input.keyType);
  if (sameType.length > 0) {
    return { status: "mismatch", reason: "changed", known: sameType.map(knownKeyRef) };
  }
  if (plain.length > 0) {
    return { status: "mismatch", reason: "other-key-types", known: plain.map(knownKeyRef) };
  }
  const ca = forHost.filter((e) => e.marker === "cert-authority");
  if (ca.length > 0) return { status: "ca-only", known: ca.map(knownKeyRef) };
  return { status: "unknown", known: [] };
}

/** Options for {@linkcode checkHostKey}. */
export interface CheckHostKeyOptions {
  /** Host as looked up: the HostKeyAlias or HostName (not an ssh_config alias). */
  readonly host: string;
  /** Port (default 22); other ports are looked up as `[host]:port`. */
  readonly port?: number;
  /** The presented public-key blob. */
  readonly key: Uint8Array;
  /** Expected type of the blob; a TypeError when it disagrees. */
  readonly keyType?: string;
  /** known_hosts files to search (user files first, then global ones). */
  readonly files: readonly string[];
  /** Parse cache (default: a process-wide one). */
  readonly store?: KnownHostsStore;
}

/** Type of a key blob, checked against an expected type; TypeError naming `key` otherwise. */
export function keyTypeOf(key: Uint8Array, expected?: string): string {
  const inner = publicKeyType(key);
  if (!inner) throw new TypeError("key: not an SSH public-key blob");
  if (expected !== undefined && expected !== inner) {
    throw new TypeError(`keyType: ${expected} does not match the key blob (${inner})`);
  }
  return inner;
}

/** Looks a presented host key up in known_hosts files. */
export async function checkHostKey(options: CheckHostKeyOptions): Promise<HostKeyCheck> {
  const keyType = keyTypeOf(options.key, options.keyType);
  const name = knownHostsName(options.host, options.port ?? 22);
  const store = options.store ?? defaultKnownHostsStore;
  const { entries, problems } = await store.readAll(options.files);
  const c = classifyHostKey(entries, { name, keyType, key: options.key });
  return {
    ...c,
    name,
    keyType,
    fingerprint: fingerprintSha256(options.key),
    problems,
  };
}

/** Options for {@linkcode knownKeyTypes}. */
export interface KnownKeyTypesOptions {
  /** Host as looked up. */
  readonly host: string;
  /** Port (default 22). */
  readonly port?: number;
  /** known_hosts files. */
  readonly files: readonly string[];
  /** Parse cache. */
  readonly store?: KnownHostsStore;
}

/** Key types with a plain (unmarked) entry for the host, in file order, without repeats. */
export async function knownKeyTypes(options: KnownKeyTypesOptions): Promise<string[]> {
  const name = knownHostsName(options.host, options.port ?? 22);
  const store = options.store ?? defaultKnownHostsStore;
  const { entries } = await store.readAll(options.files);
  const types = entries
    .filter((e) => e.marker === null && entryMatchesHost(e, name))
    .map((e) => e.keyType);
  return [...new Set(types)];
}

/** ssh2's default server host key algorithms, most preferred first. */
export const DEFAULT_HOST_KEY_ALGORITHMS: readonly string[] = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

function algorithmsForKeyType(keyType: string): string[] {
  return keyType === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [keyType];
}

/**
 * Server host key algorithms for ssh2's `algorithms.serverHostKey`: those matching a known key
 * type first (so a known host presents a key we can check), then the rest of the defaults.
 */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[]): string[] {
  const wanted = new Set(knownTypes.flatMap(algorithmsForKeyType));
  const first = DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => wanted.has(a));
  const rest = DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !wanted.has(a));
  return [...first, ...rest];
}
