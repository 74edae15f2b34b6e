/**
 * The resolved connection target: every effective setting the pool, auth, exec and fleet code
 * need, plus where each came from (`sources`) so ssh_hosts can show the reasoning.
 */
import type { KnownHostsMode } from "../known_hosts.ts";
import type { DeviceVendor, RemoteShell } from "./inventory_schema.ts";

/** Where a field's value came from: `argument`, `inventory:<file>`, `ssh_config:<file>:<line>`, `default`. */
export type FieldSource = string;

/** Per-call settings that win over inventory and ssh_config. */
export interface TargetOverrides {
  /** Remote user. */
  readonly user?: string;
  /** Port. */
  readonly port?: number;
  /** One identity file (replaces the configured ones). */
  readonly keyPath?: string;
  /** ProxyJump chain (`none` disables a configured one). */
  readonly jump?: string;
  /** Host-key mode. */
  readonly knownHosts?: KnownHostsMode;
}

/** One resolved host. Paths are absolute with `~`, `${VAR}` and `%` tokens expanded. */
export interface ResolvedTarget {
  /** The token as given (`web`, `root@10.0.0.5:2222`). */
  readonly token: string;
  /** The host part of the token: the alias ssh_config and the inventory were asked about. */
  readonly alias: string;
  /** The name or address to connect to. */
  readonly hostname: string;
  /** TCP port. */
  readonly port: number;
  /** Remote user. */
  readonly user: string;
  /** Identity files to try, in order (defaults when nothing is configured; may not exist). */
  readonly identityFiles: readonly string[];
  /** Use only the identity files (and agent keys matching them), as `IdentitiesOnly yes`. */
  readonly identitiesOnly: boolean;
  /** ssh-agent socket, or null for no agent. */
  readonly identityAgent: string | null;
  /** Forward the agent (`ForwardAgent yes`). */
  readonly forwardAgent: boolean;
  /** The hop to connect through (itself resolved, with its own `jump`), or null. */
  readonly jump: ResolvedTarget | null;
  /** The ProxyJump chain behind `jump` as configured (tokens expanded), or null for none. */
  readonly jumpChain: string | null;
  /** A ProxyCommand from ssh_config (not run by relay-shell), or null. */
  readonly proxyCommand: string | null;
  /** Host-key mode. */
  readonly knownHostsMode: KnownHostsMode;
  /** User known_hosts files; accept-new records into the first. */
  readonly userKnownHostsFiles: readonly string[];
  /** Read-only global known_hosts files. */
  readonly globalKnownHostsFiles: readonly string[];
  /** Record hashed host names. */
  readonly hashKnownHosts: boolean;
  /** Name to look host keys up under instead of `hostname`, or null. */
  readonly hostKeyAlias: string | null;
  /** Seconds to connect and authenticate. */
  readonly connectTimeout: number;
  /** Seconds between keepalives (0 = off). */
  readonly serverAliveInterval: number;
  /** Unanswered keepalives before the connection is dropped. */
  readonly serverAliveCountMax: number;
  /** Name of the variable holding the password, or null. */
  readonly passwordEnv: string | null;
  /** Name of the variable holding the key passphrase, or null. */
  readonly passphraseEnv: string | null;
  /** Name of the variable holding the sudo password, or null. */
  readonly sudoPasswordEnv: string | null;
  /** `posix` or `cli` (network device). */
  readonly shell: RemoteShell;
  /** Prompt regex (RE2) for cli hosts, or null. */
  readonly promptRegex: string | null;
  /** Device preset, or null. */
  readonly vendor: DeviceVendor | null;
  /** Inventory groups holding this alias. */
  readonly groups: readonly string[];
  /** The alias is an inventory entry. */
  readonly inInventory: boolean;
  /** The alias is a literal `Host` name in ssh_config. */
  readonly inSshConfig: boolean;
  /** Field name -> where its value came from. */
  readonly sources: Readonly<Record<string, FieldSource>>;
  /** Problems met while resolving (unsupported ssh_config features, bad values ignored). */
  readonly warnings: readonly string[];
}

/** The name host keys are looked up and recorded under: HostKeyAlias, else the host name. */
export function hostKeyName(target: ResolvedTarget): string {
  return target.hostKeyAlias ?? target.hostname;
}
