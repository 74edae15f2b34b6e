/**
 * Merges one host's settings into a {@linkcode ResolvedTarget}: per-call overrides, the token's
 * own user and port, the inventory entry, ssh_config evaluated for the alias, then defaults,
 * recording the source of every field. Private to lib/ssh/hosts (HostResolver is the entry).
 */
import type { KnownHostsMode } from "../known_hosts.ts";
import {
  checkPort,
  checkUserName,
  formatHostToken,
  type HostToken,
  parseJumpChain,
} from "./host_token.ts";
import type { InventoryData } from "./inventory.ts";
import type { SshConfigEvaluation } from "./ssh_config_eval.ts";
import type { FieldSource, ResolvedTarget, TargetOverrides } from "./target.ts";
import { expandPath, expandTokens, PROXY_TOKENS, type TokenContext } from "./tokens.ts";

/** A jump chain forced on a hop by the chain it belongs to. */
export interface HopChain {
  /** The earlier hops, `a,b`. */
  spec: string;
  /** Where the whole chain came from. */
  source: FieldSource;
}

/** Everything {@linkcode buildTarget} needs. */
export interface BuildTargetInput {
  /** The parsed token. */
  tok: HostToken;
  /** The token as given. */
  given: string;
  /** Per-call overrides (already validated). */
  overrides: TargetOverrides;
  /** The current inventory. */
  invData: InventoryData;
  /** Evaluates ssh_config for an alias with preset user and host name (undefined: no config). */
  evaluate: (alias: string, user?: string, hostname?: string) => SshConfigEvaluation | undefined;
  /** True when the alias is a literal ssh_config Host name. */
  inSshConfig: (alias: string) => boolean;
  /** Resolves a jump hop, with the earlier hops forced as its own chain. */
  resolveHop: (hop: HostToken, chain: HopChain | undefined) => ResolvedTarget;
  /** A jump chain forced by an enclosing chain. */
  chain?: HopChain;
  /** Environment. */
  env: Record<string, string | undefined>;
  /** Home directory. */
  home: string;
  /** Local user name. */
  localUser: string;
  /** Local uid. */
  uid: number;
  /** Local host name. */
  localHostname: string;
  /** Values used when nothing else sets one. */
  defaults: { knownHostsMode: KnownHostsMode; connectTimeout: number; serverAliveInterval: number };
}

const DEFAULT_IDENTITY_FILES = [
  "id_rsa",
  "id_ecdsa",
  "id_ecdsa_sk",
  "id_ed25519",
  "id_ed25519_sk",
  "id_xmss",
  "id_dsa",
];

const STRICT_MAP: Record<string, KnownHostsMode> = {
  yes: "strict",
  true: "strict",
  ask: "strict",
  "accept-new": "accept-new",
  no: "ignore",
  off: "ignore",
  false: "ignore",
};

function validUser(user: string | undefined): user is string {
  try {
    checkUserName(user ?? "", "User");
    return true;
  } catch {
    return false;
  }
}

function yesNo(value: string | undefined): boolean | undefined {
  const v = value?.toLowerCase();
  if (v === "yes" || v === "true") return true;
  if (v === "no" || v === "false") return false;
  return undefined;
}

/** Builds the target for one token (see the module notes for the precedence). */
export function buildTarget(input: BuildTargetInput): ResolvedTarget {
  const { tok, given, overrides: o, invData, env, home, localUser } = input;
  const inv = invData.hosts.get(tok.host);
  const invSrc = `inventory:${invData.file}`;
  const sources: Record<string, FieldSource> = {};
  const warnings: string[] = [];
  const presetUser = o.user ?? tok.user ?? inv?.user;
  const cfg = input.evaluate(tok.host, presetUser, inv?.hostname);
  const setting = (key: string) => cfg?.settings.get(key);
  const cfgSrc = (s: { file: string; line: number }) => `ssh_config:${s.file}:${s.line}`;
  for (const p of cfg?.problems ?? []) {
    warnings.push(p.file ? `${p.file}:${p.line}: ${p.message}` : p.message);
  }

  // user
  let user: string;
  const cfgUser = setting("user");
  if (o.user !== undefined) [user, sources.user] = [o.user, "argument"];
  else if (tok.user !== undefined) [user, sources.user] = [tok.user, "argument"];
  else if (inv?.user !== undefined) [user, sources.user] = [inv.user, invSrc];
  else if (cfgUser && validUser(cfgUser.args[0])) {
    [user, sources.user] = [cfgUser.args[0], cfgSrc(cfgUser)];
  } else {
    if (cfgUser) {
      warnings.push(`${cfgSrc(cfgUser)}: User ${JSON.stringify(cfgUser.args[0])} ignored`);
    }
    [user, sources.user] = [localUser, "default"];
  }

  // port
  let port = 22;
  sources.port = "default";
  const cfgPort = setting("port");
  if (o.port !== undefined) [port, sources.port] = [o.port, "argument"];
  else if (tok.port !== undefined) [port, sources.port] = [tok.port, "argument"];
  else if (inv?.port !== undefined) [port, sources.port] = [inv.port, invSrc];
  else if (cfgPort) {
    try {
      [port, sources.port] = [checkPort(cfgPort.args[0] ?? ""), cfgSrc(cfgPort)];
    } catch (err) {
      warnings.push(`${cfgSrc(cfgPort)}: Port ignored: ${(err as Error).message}`);
    }
  }

  // hostname
  const hostname = cfg?.hostname ?? inv?.hostname ?? tok.host.toLowerCase();
  const cfgHost = setting("hostname");
  sources.hostname = inv?.hostname !== undefined ? invSrc : cfgHost ? cfgSrc(cfgHost) : "default";

  const aliasSetting = setting("hostkeyalias");
  const hostKeyAlias = aliasSetting?.args[0] ?? null;
  sources.hostKeyAlias = aliasSetting ? cfgSrc(aliasSetting) : "default";

  const tctx: TokenContext = {
    host: hostname,
    originalHost: tok.host,
    port,
    remoteUser: user,
    localUser: localUser,
    home: home,
    uid: input.uid,
    localHostname: input.localHostname,
    hostKeyAlias: hostKeyAlias ?? undefined,
  };
  const path = (raw: string, where: string): string | undefined => {
    try {
      return expandPath(raw, tctx, env);
    } catch (err) {
      warnings.push(`${where}: ${raw} ignored: ${(err as Error).message}`);
      return undefined;
    }
  };

  // identity files
  let identityFiles: string[];
  if (o.keyPath !== undefined) {
    identityFiles = [path(o.keyPath, "key_path") ?? o.keyPath];
    sources.identityFiles = "argument";
  } else if (inv?.identityFiles) {
    identityFiles = inv.identityFiles.flatMap((f) => path(f, invSrc) ?? []);
    sources.identityFiles = invSrc;
  } else if (cfg && cfg.identityFiles.length > 0) {
    identityFiles = cfg.identityFiles.flatMap((s) => path(s.args[0] ?? "", cfgSrc(s)) ?? []);
    sources.identityFiles = cfgSrc(cfg.identityFiles[0]);
  } else {
    identityFiles = DEFAULT_IDENTITY_FILES.map((f) => `${home}/.ssh/${f}`);
    sources.identityFiles = "default";
  }
  identityFiles = [...new Set(identityFiles)];

  const bool = (key: string, field: string, fallback: boolean): boolean => {
    const s = setting(key);
    const v = yesNo(s?.args[0]);
    if (s && v === undefined) warnings.push(`${cfgSrc(s)}: ${key} ${s.args[0]} is not yes/no`);
    sources[field] = s && v !== undefined ? cfgSrc(s) : "default";
    return v ?? fallback;
  };
  const identitiesOnly = bool("identitiesonly", "identitiesOnly", false);
  const hashKnownHosts = bool("hashknownhosts", "hashKnownHosts", false);
  const forwardAgent = bool("forwardagent", "forwardAgent", false);

  // agent
  let identityAgent: string | null = env.SSH_AUTH_SOCK || null;
  sources.identityAgent = "default";
  const agentSetting = setting("identityagent");
  if (agentSetting) {
    const raw = agentSetting.args[0] ?? "";
    sources.identityAgent = cfgSrc(agentSetting);
    if (raw.toLowerCase() === "none") identityAgent = null;
    else if (raw === "SSH_AUTH_SOCK") identityAgent = env.SSH_AUTH_SOCK || null;
    else if (raw.startsWith("$") && !raw.startsWith("${")) {
      identityAgent = env[raw.slice(1)] || null;
    } else identityAgent = path(raw, cfgSrc(agentSetting)) ?? null;
  }

  // known hosts
  let knownHostsMode = input.defaults.knownHostsMode;
  sources.knownHostsMode = "default";
  const strict = setting("stricthostkeychecking");
  if (o.knownHosts !== undefined) {
    [knownHostsMode, sources.knownHostsMode] = [o.knownHosts, "argument"];
  } else if (inv?.knownHosts !== undefined) {
    [knownHostsMode, sources.knownHostsMode] = [inv.knownHosts, invSrc];
  } else if (strict) {
    const mapped = STRICT_MAP[(strict.args[0] ?? "").toLowerCase()];
    if (mapped) [knownHostsMode, sources.knownHostsMode] = [mapped, cfgSrc(strict)];
    else {warnings.push(
        `${cfgSrc(strict)}: StrictHostKeyChecking ${strict.args[0]} not understood`,
      );}
  }
  const fileList = (key: string, field: string, fallback: string[]): string[] => {
    const s = setting(key);
    if (!s) {
      sources[field] = "default";
      return fallback;
    }
    sources[field] = cfgSrc(s);
    if (s.args.length === 1 && s.args[0].toLowerCase() === "none") return [];
    return s.args.flatMap((a) => path(a, cfgSrc(s)) ?? []);
  };
  const userKnownHostsFiles = fileList("userknownhostsfile", "userKnownHostsFiles", [
    `${home}/.ssh/known_hosts`,
    `${home}/.ssh/known_hosts2`,
  ]);
  const globalKnownHostsFiles = fileList("globalknownhostsfile", "globalKnownHostsFiles", [
    "/etc/ssh/ssh_known_hosts",
    "/etc/ssh/ssh_known_hosts2",
  ]);
  if (knownHostsMode === "accept-new" && userKnownHostsFiles.length === 0) {
    warnings.push(
      "accept-new has no user known_hosts file to record into (UserKnownHostsFile none)",
    );
  }

  // timers
  const seconds = (key: string, field: string, fallback: number, min: number): number => {
    const s = setting(key);
    sources[field] = "default";
    if (!s || (s.args[0] ?? "").toLowerCase() === "none") return fallback;
    const n = /^\d+$/.test(s.args[0] ?? "") ? Number(s.args[0]) : NaN;
    if (!Number.isInteger(n) || n < min) {
      warnings.push(`${cfgSrc(s)}: ${key} ${s.args[0]} ignored (not an integer >= ${min})`);
      return fallback;
    }
    sources[field] = cfgSrc(s);
    return n;
  };
  const connectTimeout = seconds(
    "connecttimeout",
    "connectTimeout",
    input.defaults.connectTimeout,
    1,
  );
  const serverAliveInterval = seconds(
    "serveraliveinterval",
    "serverAliveInterval",
    input.defaults.serverAliveInterval,
    0,
  );
  const serverAliveCountMax = seconds("serveralivecountmax", "serverAliveCountMax", 3, 1);

  // jump / proxy
  let jumpSpec = "none";
  let proxyCommand: string | null = null;
  sources.jump = "default";
  const proxy = setting("proxy");
  if (o.jump !== undefined) [jumpSpec, sources.jump] = [o.jump, "argument"];
  else if (input.chain) [jumpSpec, sources.jump] = [input.chain.spec, input.chain.source];
  else if (inv?.jump !== undefined) [jumpSpec, sources.jump] = [inv.jump, invSrc];
  else if (proxy && proxy.args[0] === "proxyjump") {
    try {
      jumpSpec = expandTokens(proxy.args.slice(1).join(" "), tctx, PROXY_TOKENS);
      sources.jump = cfgSrc(proxy);
    } catch (err) {
      warnings.push(`${cfgSrc(proxy)}: ProxyJump ignored: ${(err as Error).message}`);
    }
  } else if (proxy && proxy.args[0] === "proxycommand") {
    const cmd = proxy.args.slice(1).join(" ");
    if (cmd.toLowerCase() !== "none") {
      proxyCommand = cmd;
      sources.proxyCommand = cfgSrc(proxy);
      warnings.push(`${cfgSrc(proxy)}: ProxyCommand is not supported (use ProxyJump)`);
    }
  }
  sources.proxyCommand ??= "default";
  let jump: ResolvedTarget | null = null;
  let hops: HostToken[];
  try {
    hops = parseJumpChain(jumpSpec, "jump");
  } catch (err) {
    if (sources.jump === "argument") throw err;
    warnings.push(`${sources.jump}: jump ignored: ${(err as Error).message}`);
    hops = [];
  }
  if (hops.length > 0) {
    const last = hops[hops.length - 1];
    const before = hops.slice(0, -1).map(formatHostToken).join(",");
    jump = input.resolveHop(last, before ? { spec: before, source: sources.jump } : undefined);
  }

  // inventory-only fields
  const invField = <T>(v: T | undefined, field: string): T | null => {
    sources[field] = v !== undefined ? invSrc : "default";
    return v ?? null;
  };
  const passwordEnv = invField(inv?.passwordEnv, "passwordEnv");
  const passphraseEnv = invField(inv?.passphraseEnv, "passphraseEnv");
  const sudoPasswordEnv = invField(inv?.sudoPasswordEnv, "sudoPasswordEnv");
  const promptRegex = invField(inv?.promptRegex, "promptRegex");
  const vendor = invField(inv?.vendor, "vendor");
  const shell = invField(inv?.shell, "shell") ?? "posix";
  const groups = [...invData.groups].filter(([, m]) => m.includes(tok.host)).map(([g]) => g);

  return {
    token: given,
    alias: tok.host,
    hostname,
    port,
    user,
    identityFiles,
    identitiesOnly,
    identityAgent,
    forwardAgent,
    jump,
    jumpChain: hops.length > 0 ? hops.map(formatHostToken).join(",") : null,
    proxyCommand,
    knownHostsMode,
    userKnownHostsFiles,
    globalKnownHostsFiles,
    hashKnownHosts,
    hostKeyAlias,
    connectTimeout,
    serverAliveInterval,
    serverAliveCountMax,
    passwordEnv,
    passphraseEnv,
    sudoPasswordEnv,
    shell,
    promptRegex,
    vendor,
    groups,
    inInventory: inv !== undefined,
    inSshConfig: input.inSshConfig(tok.host),
    sources,
    warnings,
  };
}
