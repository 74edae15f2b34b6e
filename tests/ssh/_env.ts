/**
 * Test setup for lib/ssh connection tests: a temporary home directory (its own ~/.ssh, never the
 * real one), an inventory file written from entries, a resolver on both, and a pool that is
 * closed with the rest in `dispose()`.
 */
import { stringify } from "yaml";
import { HostResolver, SshPool, type SshPoolOptions } from "../../lib/ssh/mod.ts";
import type { SshdHarness } from "../helpers/sshd.ts";

/** A temporary home, inventory, resolver and pool. */
export interface SshTestEnv {
  /** The temporary home directory. */
  home: string;
  /** `<home>/.ssh/known_hosts`. */
  knownHosts: string;
  /** The inventory file. */
  inventory: string;
  /** Resolver over the inventory (and `sshConfig`, if written). */
  resolver: HostResolver;
  /** A pool (closed by dispose; may be replaced). */
  pool: SshPool;
  /** Variables the pool reads credentials from. */
  vars: Record<string, string>;
  /** Rewrites the inventory. */
  writeInventory(entries: Record<string, unknown>): Promise<void>;
  /** Closes the pool and removes the home. */
  dispose(): Promise<void>;
  /** Same as dispose. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options for {@linkcode sshTestEnv}. */
export interface SshTestEnvOptions {
  /** Inventory entries (alias -> settings). */
  inventory?: Record<string, unknown>;
  /** ssh_config text written to `<home>/.ssh/config`. */
  sshConfig?: string;
  /** Environment of the resolver (HOME is set; add SSH_AUTH_SOCK here). */
  env?: Record<string, string>;
  /** Credential variables. */
  vars?: Record<string, string>;
  /** Copy these harnesses' known_hosts into `<home>/.ssh/known_hosts`. */
  trust?: readonly SshdHarness[];
  /** Pool options. */
  pool?: Partial<SshPoolOptions>;
  /** Default host-key mode (default accept-new). */
  knownHostsMode?: "strict" | "accept-new" | "ignore";
}

/** Builds a test environment; dispose it (`await using`). */
export async function sshTestEnv(options: SshTestEnvOptions = {}): Promise<SshTestEnv> {
  const home = await Deno.makeTempDir({ prefix: "rstest-home-" });
  await Deno.mkdir(`${home}/.ssh`, { mode: 0o700 });
  const knownHosts = `${home}/.ssh/known_hosts`;
  if (options.trust?.length) {
    const texts = await Promise.all(options.trust.map((h) => Deno.readTextFile(h.knownHostsPath)));
    await Deno.writeTextFile(knownHosts, texts.join(""));
  }
  const inventory = `${home}/inventory.yaml`;
  const writeInventory = (entries: Record<string, unknown>) =>
    Deno.writeTextFile(inventory, stringify(entries));
  await writeInventory(options.inventory ?? {});
  let sshConfigPath = "";
  if (options.sshConfig !== undefined) {
    sshConfigPath = `${home}/.ssh/config`;
    await Deno.writeTextFile(sshConfigPath, options.sshConfig);
  }
  const vars = { ...options.vars };
  const resolver = new HostResolver({
    sshConfigPath,
    inventoryPath: inventory,
    env: { HOME: home, USER: "nobody", ...options.env },
    home,
    knownHostsMode: options.knownHostsMode ?? "accept-new",
    connectTimeout: 10,
    serverAliveInterval: 0,
  });
  const pool = new SshPool({
    maxConns: 64,
    idleTimeoutMs: 0,
    getEnv: (n) => vars[n],
    home,
    ...options.pool,
  });
  const env: SshTestEnv = {
    home,
    knownHosts,
    inventory,
    resolver,
    pool,
    vars,
    writeInventory,
    dispose: async () => {
      await env.pool.closeAll();
      await Deno.remove(home, { recursive: true }).catch(() => {});
    },
    [Symbol.asyncDispose]: () => env.dispose(),
  };
  return env;
}

/** An inventory entry for a harness user (password: variable RSTEST_PW; agent: SSH_AUTH_SOCK). */
export function entryFor(
  h: SshdHarness,
  auth: "ed25519" | "rsa" | "passphrase" | "password" | "agent",
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const u = h.users;
  const base = { hostname: h.host, port: h.port };
  switch (auth) {
    case "ed25519":
      return { ...base, user: u.ed.user, identity_file: u.ed.path, ...extra };
    case "rsa":
      return { ...base, user: u.rsa.user, identity_file: u.rsa.path, ...extra };
    case "passphrase":
      return { ...base, user: u.ed.user, identity_file: u.passphraseKey.path, ...extra };
    case "password":
      return { ...base, user: u.password.user, password_env: "RSTEST_PW", ...extra };
    case "agent":
      return { ...base, user: u.ed.user, ...extra };
  }
}

/** Reads every /proc/<pid>/cmdline (NULs as spaces). */
export function allCmdlines(): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      out.push(Deno.readTextFileSync(`/proc/${e.name}/cmdline`).replaceAll("\0", " "));
    } catch { /* gone */ }
  }
  return out;
}

/** Polls `fn` until true (or throws after `ms`). */
export async function until(fn: () => boolean | Promise<boolean>, ms = 10_000, what = "condition") {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
