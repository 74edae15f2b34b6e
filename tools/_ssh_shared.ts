/**
 * Pieces the ssh tools share: the connection-override arguments, resolution of host tokens while
 * the arguments are validated (so the parsed arguments — what Tier-3 confirmation hashes — carry
 * the effective user, host, port, keys, jump chain and host-key mode), the policy subjects of a
 * target, and the effective connection fields for the audit line.
 */
import { z } from "zod";
import { hostPolicyForms } from "../lib/policy/mod.ts";
import type { KnownHostsMode, ResolvedTarget, TargetOverrides } from "../lib/ssh/mod.ts";

/** Per-call connection overrides (ssh_exec). */
export const overrideShape = {
  user: z.string().optional(),
  port: z.int().optional(),
  key_path: z.string().optional(),
  jump: z.string().optional(),
  known_hosts: z.string().optional(),
};

/** The override arguments as parsed. */
export type OverrideArgs = {
  user?: string;
  port?: number;
  key_path?: string;
  jump?: string;
  known_hosts?: string;
};

/** The resolver's overrides from the arguments. */
export function overridesOf(a: OverrideArgs): TargetOverrides {
  return {
    user: a.user,
    port: a.port,
    keyPath: a.key_path,
    jump: a.jump,
    knownHosts: a.known_hosts as KnownHostsMode | undefined,
  };
}

/** The effective connection of a target, as recorded in audit lines and hashed for confirmation. */
export interface EffectiveConnection {
  host: string;
  user: string;
  hostname: string;
  port: number;
  key_path: string[];
  jump: string;
  known_hosts: KnownHostsMode;
}

/** The fields of `target` that decide who we are and whom we trust. */
export function effectiveOf(t: ResolvedTarget): EffectiveConnection {
  return {
    host: t.token,
    user: t.user,
    hostname: t.hostname,
    port: t.port,
    key_path: [...t.identityFiles],
    jump: t.jumpChain ?? "",
    known_hosts: t.knownHostsMode,
  };
}

/**
 * Resolves inside a zod transform: a failure becomes an issue on `path` (the runner reports it as
 * an invalid argument naming it), never an exception out of validation.
 */
export function resolveOrIssue<T>(
  ctx: z.RefinementCtx,
  path: string,
  fn: () => T,
): T | typeof z.NEVER {
  try {
    return fn();
  } catch (err) {
    const msg = (err as Error)?.message ?? String(err);
    // "key_path: …" names the argument at fault; keep it as the issue's path.
    const named = /^([a-z_]+): ([\s\S]*)$/.exec(msg);
    ctx.addIssue({
      code: "custom",
      path: [named ? named[1] : path],
      message: named ? named[2] : msg,
    });
    return z.NEVER;
  }
}

/** Every spelling of the target's host names and of its jump hops, for deny/allow rules. */
export function hostSubjects(targets: readonly ResolvedTarget[]): string[] {
  const out = new Set<string>();
  const add = (t: ResolvedTarget | null, depth: number) => {
    if (!t || depth > 10) return;
    for (const s of [t.token, t.alias, t.hostname]) {
      for (const f of hostPolicyForms(s)) out.add(f);
    }
    out.add(`${t.user}@${t.hostname}`);
    add(t.jump, depth + 1);
  };
  for (const t of targets) add(t, 0);
  return [...out];
}
