/**
 * Turns a host token into one {@linkcode ResolvedTarget}. Precedence, highest first: per-call
 * overrides, the token's own `user@` and `:port`, the inventory entry for the alias, ssh_config
 * evaluated for the alias (OpenSSH rules), then defaults. Every field records its source.
 * Also expands host lists with groups (`@group`, or a bare group name that is not also a host)
 * and lists the known aliases for the inventory view.
 */
import type { Config } from "../../config/mod.ts";
import type { Logger } from "../../log/mod.ts";
import type { Clock } from "../../util/mod.ts";
import { KNOWN_HOSTS_MODES, type KnownHostsMode } from "../known_hosts.ts";
import { buildTarget, type HopChain } from "./_build_target.ts";
import {
  checkPort,
  checkUserName,
  formatHostToken,
  type HostToken,
  parseHostToken,
  parseJumpChain,
} from "./host_token.ts";
import { Inventory, type InventoryData, type InventoryReport } from "./inventory.ts";
import {
  evaluateSshConfig,
  listSshConfigAliases,
  type SshConfigEvaluation,
} from "./ssh_config_eval.ts";
import { SshConfigFiles } from "./ssh_config_files.ts";
import type { ResolvedTarget, TargetOverrides } from "./target.ts";

/** Options for {@linkcode HostResolver}. */
export interface HostResolverOptions {
  /** ssh_config file ("" = none). */
  sshConfigPath: string;
  /** Inventory file ("" = none). */
  inventoryPath: string;
  /** Host-key mode when nothing else sets one (default accept-new). */
  knownHostsMode?: KnownHostsMode;
  /** Connect timeout in seconds when ssh_config sets none (default 10). */
  connectTimeout?: number;
  /** Keepalive interval in seconds when ssh_config sets none (default 30). */
  serverAliveInterval?: number;
  /** Environment for `${VAR}`, SSH_AUTH_SOCK and defaults (default: the process's). */
  env?: Record<string, string | undefined>;
  /** Local home directory (default: $HOME). */
  home?: string;
  /** Local user name (default: $USER, $LOGNAME, or the passwd entry of the uid). */
  localUser?: string;
  /** Local uid for %i (default: Deno.uid()). */
  uid?: number;
  /** Local host name for %l/%L/%C (default: Deno.hostname()). */
  localHostname?: string;
  /** Clock for inventory load times. */
  clock?: Clock;
  /** Logger for inventory reloads. */
  logger?: Logger;
  /** Called with the data after every successful inventory (re)load. */
  onInventory?: (data: InventoryData) => void;
}

/** One alias known to the inventory or ssh_config. */
export interface HostListing {
  /** The alias. */
  readonly alias: string;
  /** Where it is defined. */
  readonly definedIn: readonly ("inventory" | "ssh_config")[];
  /** Inventory groups holding it. */
  readonly groups: readonly string[];
}

/** Options for {@linkcode HostResolver.expandHosts}. */
export interface ExpandHostsOptions {
  /** Most hosts allowed after expansion (default 100). */
  max?: number;
}

/** The per-call host cap of fleet tools. */
export const MAX_HOSTS_PER_CALL = 100;
/** The longest ProxyJump chain followed (also stops loops). */
export const MAX_JUMP_DEPTH = 8;

function localUserName(env: Record<string, string | undefined>, uid: number): string {
  if (env.USER) return env.USER;
  if (env.LOGNAME) return env.LOGNAME;
  try {
    for (const line of Deno.readTextFileSync("/etc/passwd").split("\n")) {
      const f = line.split(":");
      if (f.length >= 7 && Number(f[2]) === uid) return f[0];
    }
  } catch { /* no passwd file */ }
  return String(uid);
}

function safeUid(): number {
  try {
    return Deno.uid() ?? 0;
  } catch {
    return 0;
  }
}

function safeHostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

interface ResolveContext {
  depth: number;
  chain?: HopChain;
}

/** Resolves host tokens against the inventory and ssh_config. */
export class HostResolver {
  #sshConfigPath: string;
  #files = new SshConfigFiles();
  #inventory: Inventory;
  #mode: KnownHostsMode;
  #connectTimeout: number;
  #keepalive: number;
  #env: Record<string, string | undefined>;
  #home: string;
  #localUser: string;
  #uid: number;
  #localHostname: string;

  /** Nothing is read until the first call. */
  constructor(options: HostResolverOptions) {
    this.#env = options.env ?? Deno.env.toObject();
    this.#home = options.home ?? this.#env.HOME ?? "/";
    this.#uid = options.uid ?? safeUid();
    this.#localUser = options.localUser ?? localUserName(this.#env, this.#uid);
    this.#localHostname = options.localHostname ?? safeHostname();
    this.#sshConfigPath = options.sshConfigPath;
    this.#inventory = new Inventory(options.inventoryPath, {
      clock: options.clock,
      logger: options.logger,
      onLoad: options.onInventory,
    });
    this.#mode = options.knownHostsMode ?? "accept-new";
    this.#connectTimeout = options.connectTimeout ?? 10;
    this.#keepalive = options.serverAliveInterval ?? 30;
  }

  /** A resolver from the server configuration (SSH_CONFIG, INVENTORY, SSH_* defaults). */
  static fromConfig(
    config: Pick<
      Config,
      "sshConfig" | "inventory" | "sshKnownHosts" | "sshConnectTimeout" | "sshKeepalive"
    >,
    options: Partial<HostResolverOptions> = {},
  ): HostResolver {
    return new HostResolver({
      sshConfigPath: config.sshConfig,
      inventoryPath: config.inventory,
      knownHostsMode: config.sshKnownHosts,
      connectTimeout: config.sshConnectTimeout,
      serverAliveInterval: config.sshKeepalive,
      ...options,
    });
  }

  /** The inventory (reloads on access). */
  get inventory(): Inventory {
    return this.#inventory;
  }

  /** The inventory load report. */
  inventoryReport(): InventoryReport {
    return this.#inventory.report();
  }

  /** Resolves `token` (alias, `user@host:port`, `[v6]:port`, IP) with per-call overrides. */
  resolveTarget(token: string, overrides: TargetOverrides = {}): ResolvedTarget {
    if (typeof token !== "string") throw new TypeError("host: expected a string");
    const o = this.#checkOverrides(overrides);
    return this.#resolve(parseHostToken(token, "host"), token, o, { depth: 0 });
  }

  #checkOverrides(o: TargetOverrides): TargetOverrides {
    if (o.user !== undefined) checkUserName(o.user, "user");
    if (o.port !== undefined) checkPort(o.port, "port");
    if (o.keyPath !== undefined && (typeof o.keyPath !== "string" || o.keyPath.trim() === "")) {
      throw new TypeError("key_path: expected a non-empty path");
    }
    if (o.jump !== undefined) parseJumpChain(o.jump, "jump");
    if (o.knownHosts !== undefined && !KNOWN_HOSTS_MODES.includes(o.knownHosts)) {
      throw new TypeError(`known_hosts: must be one of ${KNOWN_HOSTS_MODES.join(", ")}`);
    }
    return o;
  }

  #evaluate(alias: string, user?: string, hostname?: string): SshConfigEvaluation | undefined {
    if (this.#sshConfigPath === "") return undefined;
    return evaluateSshConfig(this.#files, this.#sshConfigPath, {
      alias,
      user,
      hostname,
      localUser: this.#localUser,
      home: this.#home,
    });
  }

  #sshConfigAliases(): Set<string> {
    if (this.#sshConfigPath === "") return new Set();
    return new Set(
      listSshConfigAliases(this.#files, this.#sshConfigPath, this.#home).map((a) => a.alias),
    );
  }

  #resolve(
    tok: HostToken,
    given: string,
    o: TargetOverrides,
    ctx: ResolveContext,
  ): ResolvedTarget {
    return buildTarget({
      tok,
      given,
      overrides: o,
      invData: this.#inventory.current(),
      evaluate: (alias, user, hostname) => this.#evaluate(alias, user, hostname),
      inSshConfig: (alias) => this.#sshConfigAliases().has(alias),
      resolveHop: (hop, chain) => {
        if (ctx.depth + 1 > MAX_JUMP_DEPTH) {
          throw new RangeError(
            `jump: ProxyJump chain for ${tok.host} is deeper than ${MAX_JUMP_DEPTH} hops (a loop?)`,
          );
        }
        return this.#resolve(hop, formatHostToken(hop), {}, { depth: ctx.depth + 1, chain });
      },
      chain: ctx.chain,
      env: this.#env,
      home: this.#home,
      localUser: this.#localUser,
      uid: this.#uid,
      localHostname: this.#localHostname,
      defaults: {
        knownHostsMode: this.#mode,
        connectTimeout: this.#connectTimeout,
        serverAliveInterval: this.#keepalive,
      },
    });
  }

  /**
   * Expands host tokens (a list, or one comma/space separated string) into targets: `@group`
   * always means a group (`@all` is every inventory host unless a group is named `all`), a bare
   * name means a group only when no host has that name. Order kept, duplicates dropped; more
   * than `max` (default 100) is a RangeError naming `hosts`.
   */
  expandHosts(hosts: string | readonly string[], options: ExpandHostsOptions = {}): string[] {
    const max = options.max ?? MAX_HOSTS_PER_CALL;
    const list = typeof hosts === "string" ? [hosts] : hosts;
    const tokens = list.flatMap((s) => String(s).split(/[\s,]+/)).filter((s) => s !== "");
    const data = this.#inventory.current();
    const known = new Set([...data.hosts.keys(), ...this.#sshConfigAliases()]);
    const out: string[] = [];
    const seen = new Set<string>();
    const add = (t: string) => {
      if (!seen.has(t)) {
        seen.add(t);
        out.push(t);
      }
    };
    const expandGroup = (name: string, stack: string[]) => {
      if (stack.includes(name)) return;
      for (const m of data.groups.get(name) ?? []) {
        if (m.startsWith("@")) expandGroup(m.slice(1), [...stack, name]);
        else add(m);
      }
    };
    for (const t of tokens) {
      if (t.startsWith("@")) {
        const name = t.slice(1);
        if (data.groups.has(name)) expandGroup(name, []);
        else if (name === "all") { for (const h of data.hosts.keys()) add(h); }
        else {
          const names = [...data.groups.keys()].map((g) => `@${g}`).join(", ") || "none";
          throw new TypeError(`hosts: unknown group ${t}; known groups: ${names}`);
        }
      } else if (!known.has(t) && data.groups.has(t)) {
        expandGroup(t, []);
      } else {
        parseHostToken(t, "hosts");
        add(t);
      }
      if (out.length > max) break;
    }
    if (out.length > max) {
      throw new RangeError(
        `hosts: more than ${max} hosts after expanding groups exceeds the per-call cap of ${max}; split into smaller batches`,
      );
    }
    return out;
  }

  /** Every inventory alias and every literal ssh_config `Host` alias, sorted. */
  listHosts(): HostListing[] {
    const data = this.#inventory.current();
    const cfg = this.#sshConfigAliases();
    const all = new Set([...data.hosts.keys(), ...cfg]);
    return [...all].sort().map((alias) => ({
      alias,
      definedIn: [
        ...(data.hosts.has(alias) ? ["inventory" as const] : []),
        ...(cfg.has(alias) ? ["ssh_config" as const] : []),
      ],
      groups: [...data.groups].filter(([, m]) => m.includes(alias)).map(([g]) => g),
    }));
  }
}
