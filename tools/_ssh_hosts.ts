/**
 * `ssh_hosts` and the inventory views the resources share: every inventory and ssh_config alias
 * resolved to its effective settings with the source of each field, plus the inventory load
 * report (entries kept out, by name). Credentials appear only as variable NAMES.
 */
import { z } from "zod";
import { detail } from "../lib/mcp/mod.ts";
import { Tier } from "../lib/policy/tier.ts";
import { defineTool, type ToolDefinition } from "../lib/runner/mod.ts";
import type { HostResolver, ResolvedTarget } from "../lib/ssh/mod.ts";
import type { ToolDeps } from "./deps.ts";

/** One resolved host as ssh_hosts and the inventory resources show it. */
export function hostView(
  t: ResolvedTarget,
  definedIn: readonly string[] = [],
): Record<string, unknown> {
  return {
    alias: t.alias,
    hostname: t.hostname,
    port: t.port,
    user: t.user,
    identity_files: t.identityFiles,
    identities_only: t.identitiesOnly,
    identity_agent: t.identityAgent,
    jump: t.jumpChain,
    proxy_command: t.proxyCommand,
    known_hosts: t.knownHostsMode,
    known_hosts_files: t.userKnownHostsFiles,
    host_key_alias: t.hostKeyAlias,
    connect_timeout: t.connectTimeout,
    server_alive_interval: t.serverAliveInterval,
    password_env: t.passwordEnv,
    passphrase_env: t.passphraseEnv,
    sudo_password_env: t.sudoPasswordEnv,
    shell: t.shell,
    prompt_regex: t.promptRegex,
    vendor: t.vendor,
    groups: t.groups,
    defined_in: definedIn,
    sources: t.sources,
    warnings: t.warnings,
  };
}

/** Every known alias resolved (an alias that fails to resolve is listed with its error). */
export function listResolvedHosts(resolver: HostResolver): Record<string, unknown>[] {
  return resolver.listHosts().map((h) => {
    try {
      return hostView(resolver.resolveTarget(h.alias), h.definedIn);
    } catch (err) {
      return { alias: h.alias, defined_in: h.definedIn, error: (err as Error).message };
    }
  });
}

/** The inventory load report in snake_case. */
export function inventoryView(resolver: HostResolver): Record<string, unknown> {
  const r = resolver.inventoryReport();
  return {
    file: r.file,
    loaded: r.loaded,
    hosts: r.hosts,
    groups: r.groups,
    errors: r.errors,
    warnings: r.warnings,
    reload_error: r.reloadError,
  };
}

/** Builds `ssh_hosts`. */
export function sshHostsTool(deps: ToolDeps & { resolver: HostResolver }): ToolDefinition {
  const resolver = deps.resolver;
  return defineTool({
    name: "ssh_hosts",
    title: "SSH hosts",
    description: "Resolved hosts with each field's source.",
    toolset: "ssh",
    input: z.object({}),
    output: z.object({
      hosts: z.array(z.looseObject({})),
      inventory: z.looseObject({}).meta(detail),
    }),
    tier: Tier.READ_ONLY,
    readOnly: true,
    hints: { idempotent: true },
    run() {
      const hosts = listResolvedHosts(resolver);
      const inventory = inventoryView(resolver);
      const lines = hosts.map((h) =>
        h.error
          ? `${h.alias}: ERROR ${h.error}`
          : `${h.alias}: ${h.user}@${h.hostname}:${h.port}${
            h.jump ? ` via ${h.jump}` : ""
          } ${h.known_hosts}${h.shell === "cli" ? ` cli${h.vendor ? `/${h.vendor}` : ""}` : ""}${
            (h.groups as string[]).length ? ` [${(h.groups as string[]).join(",")}]` : ""
          }`
      );
      const errs = (inventory.errors as { name: string; message: string }[]).map((e) =>
        `inventory error: ${e.name}: ${e.message}`
      );
      if (inventory.reload_error) errs.push(`inventory not reloaded: ${inventory.reload_error}`);
      const text = [
        ...(lines.length ? lines : ["[no hosts: set RELAY_SHELL_INVENTORY or SSH_CONFIG]"]),
        ...errs,
      ]
        .join("\n");
      return Promise.resolve({ structured: { hosts, inventory }, text });
    },
  }) as ToolDefinition;
}
