/**
 * Fleet tools: `ssh_check` (reachability, latency and host-key fingerprint per host),
 * `ssh_fanout` (one command on many hosts, bounded concurrency, one shared output budget) and
 * `ssh_keyscan` (host keys collected in process, as known_hosts lines).
 */
import { z } from "zod";
import { Tier } from "../lib/policy/tier.ts";
import { clampInt, defineTool, type ToolDefinition } from "../lib/runner/mod.ts";
import {
  checkHost,
  execOnTarget,
  hostKeyName,
  type HostResolver,
  keyscan,
  KEYSCAN_TYPES,
  type KeyscanType,
  mapBounded,
  perHostBudget,
  type ResolvedTarget,
  shortError,
  SshConnectionLostError,
  type SshPool,
} from "../lib/ssh/mod.ts";
import type { ToolDeps } from "./deps.ts";
import { effectiveOf, hostSubjects, resolveOrIssue } from "./_ssh_shared.ts";

/** A list argument: one comma/space separated string (a JSON array of strings is accepted too). */
const listArg = z.preprocess(
  (v) => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v.join(",") : v),
  z.string(),
);

function splitList(v: string | undefined): string[] {
  return (v ?? "").split(/[\s,]+/).filter(Boolean);
}

const concurrencyArg = z.number().optional();

function resolveHosts(
  resolver: HostResolver,
  hostsText: string | undefined,
  ctx: z.RefinementCtx,
  options: { max?: number; port?: number; inventoryWhenEmpty: boolean },
): ResolvedTarget[] | typeof z.NEVER {
  return resolveOrIssue(ctx, "hosts", () => {
    const given = splitList(hostsText);
    if (given.length === 0 && !options.inventoryWhenEmpty) {
      throw new TypeError("hosts: give at least one host");
    }
    const tokens = given.length
      ? resolver.expandHosts(given, { max: options.max })
      : resolver.listHosts().filter((h) => h.definedIn.includes("inventory")).map((h) => h.alias);
    if (tokens.length === 0) throw new TypeError("hosts: none given and the inventory is empty");
    return tokens.map((t) => {
      try {
        return resolver.resolveTarget(t, options.port !== undefined ? { port: options.port } : {});
      } catch (err) {
        throw new TypeError(`hosts: ${t}: ${(err as Error).message}`);
      }
    });
  });
}

/** One host's row in ssh_fanout's results. */
type FanoutRow = {
  host: string;
  exit_code: number | null;
  timed_out: boolean;
  output: string;
  output_bytes: number;
  output_sha256: string;
  error?: string;
};

/** Builds ssh_check, ssh_fanout and ssh_keyscan. */
export function sshFleetTools(
  deps: ToolDeps & { resolver: HostResolver; pool: SshPool },
): ToolDefinition[] {
  const c = deps.config;
  const { resolver, pool } = deps;

  const checkInput = z.strictObject({
    hosts: listArg.optional(),
    timeout: z.number().optional(),
    concurrency: concurrencyArg,
  }).transform((a, ctx) => {
    const targets = resolveHosts(resolver, a.hosts, ctx, { inventoryWhenEmpty: true });
    return targets === z.NEVER ? z.NEVER : { ...a, targets };
  });

  const sshCheck = defineTool({
    name: "ssh_check",
    title: "SSH check",
    description: "Probe hosts: ok, latency, error, key fingerprint.",
    toolset: "ssh",
    input: checkInput,
    output: z.object({ results: z.array(z.looseObject({})) }),
    tier: Tier.READ_ONLY,
    readOnly: true,
    hints: { openWorld: true },
    policy: (a) => ({ subjects: hostSubjects(a.targets) }),
    auditArgs: (a) => ({
      hosts: a.targets.map((t: ResolvedTarget) => effectiveOf(t)),
      timeout: clampInt(a.timeout, 5, 1, 60),
      concurrency: clampInt(a.concurrency, 8, 1, 32),
    }),
    async run(a, ctx) {
      const timeout = clampInt(a.timeout, 5, 1, 60);
      const targets: ResolvedTarget[] = a.targets;
      let done = 0;
      const results = await mapBounded(targets, clampInt(a.concurrency, 8, 1, 32), async (t) => {
        const r = await checkHost(pool, t, { timeoutMs: timeout * 1000, signal: ctx.signal });
        ctx.progress(++done, targets.length);
        return { host: t.token, ...r };
      });
      const text = results.map((r) =>
        r.ok
          ? `${r.host}: ok ${r.latency_ms}ms ${r.fingerprint ?? ""}`.trimEnd()
          : `${r.host}: FAILED ${r.error}${r.fingerprint ? ` (${r.fingerprint})` : ""}`
      ).join("\n");
      return { structured: { results }, text };
    },
  });

  const fanoutInput = z.strictObject({
    command: z.string(),
    hosts: listArg.optional(),
    timeout: z.number().optional(),
    concurrency: concurrencyArg,
    max_output: z.number().optional(),
  }).transform((a, ctx) => {
    const targets = resolveHosts(resolver, a.hosts, ctx, { inventoryWhenEmpty: true });
    return targets === z.NEVER ? z.NEVER : { ...a, targets };
  });

  const sshFanout = defineTool({
    name: "ssh_fanout",
    title: "SSH fan-out",
    description: "One command on many hosts in parallel.",
    toolset: "ssh",
    input: fanoutInput,
    output: z.object({ results: z.array(z.looseObject({})) }),
    tier: Tier.REVERSIBLE,
    hints: { destructive: true, openWorld: true },
    policy: (a) => ({ commands: [a.command], subjects: hostSubjects(a.targets) }),
    auditArgs: (a) => ({
      command: a.command,
      hosts: a.targets.map((t: ResolvedTarget) => effectiveOf(t)),
      timeout: clampInt(a.timeout, c.defaultTimeout, 1, c.maxTimeout),
      concurrency: clampInt(a.concurrency, 8, 1, 32),
      max_output: clampInt(a.max_output, c.maxOutput, 1024, c.maxOutputHard),
    }),
    async run(a, ctx) {
      if (!a.command.trim()) throw new TypeError("command: is empty; give a command to run");
      const targets: ResolvedTarget[] = a.targets;
      const timeout = clampInt(a.timeout, c.defaultTimeout, 1, c.maxTimeout);
      const budget = clampInt(a.max_output, c.maxOutput, 1024, c.maxOutputHard);
      const each = perHostBudget(budget, targets.length);
      let done = 0;
      const results = await mapBounded(targets, clampInt(a.concurrency, 8, 1, 32), async (t) => {
        const base: FanoutRow = { host: t.token } as FanoutRow;
        try {
          const r = await execOnTarget(t, {
            pool,
            command: a.command,
            timeoutMs: timeout * 1000,
            maxOutput: each,
            signal: ctx.signal,
          });
          return {
            ...base,
            exit_code: r.exitCode,
            timed_out: r.timedOut,
            output: r.stdout.text,
            output_bytes: r.stdout.bytes,
            output_sha256: r.stdout.sha256,
          } as FanoutRow;
        } catch (err) {
          const lost = err instanceof SshConnectionLostError;
          const partial = lost ? (err.partialOutput ?? "").slice(-each) : "";
          return {
            ...base,
            exit_code: null,
            timed_out: false,
            output: partial,
            output_bytes: lost ? err.partialBytes ?? 0 : 0,
            output_sha256: "",
            error: shortError(err).slice(0, 500),
          } as FanoutRow;
        } finally {
          ctx.progress(++done, targets.length);
        }
      });
      const ok = results.filter((r) => r.exit_code === 0).length;
      const text = [
        `[${ok}/${results.length} hosts exited 0]`,
        ...results.map((r) => {
          const status = r.error
            ? `error: ${r.error}`
            : r.timed_out
            ? `timeout after ${timeout}s`
            : `exit ${r.exit_code ?? "none"}`;
          return `== ${r.host} [${status}]${r.output ? `\n${r.output.replace(/\n$/, "")}` : ""}`;
        }),
      ].join("\n");
      return { structured: { results }, text };
    },
  });

  const keyscanInput = z.strictObject({
    hosts: listArg,
    port: z.int().optional(),
    key_types: listArg.optional(),
  }).transform((a, ctx) => {
    const types = splitList(a.key_types);
    const bad = types.filter((t) => !(KEYSCAN_TYPES as readonly string[]).includes(t));
    if (bad.length) {
      ctx.addIssue({
        code: "custom",
        path: ["key_types"],
        message: `unknown ${bad.join(", ")}; use ${KEYSCAN_TYPES.join(", ")}`,
      });
      return z.NEVER;
    }
    const targets = resolveHosts(resolver, a.hosts, ctx, {
      max: 32,
      port: a.port,
      inventoryWhenEmpty: false,
    });
    return targets === z.NEVER ? z.NEVER : {
      ...a,
      targets,
      types: (types.length ? [...new Set(types)] : [...KEYSCAN_TYPES]) as KeyscanType[],
    };
  });

  const sshKeyscan = defineTool({
    name: "ssh_keyscan",
    title: "SSH keyscan",
    description: "Host keys as known_hosts lines.",
    toolset: "ssh",
    input: keyscanInput,
    output: z.object({ hosts: z.array(z.looseObject({})) }),
    tier: Tier.REVERSIBLE,
    hints: { destructive: false, openWorld: true },
    policy: (a) => ({ subjects: hostSubjects(a.targets) }),
    auditArgs: (a) => ({
      hosts: a.targets.map((t: ResolvedTarget) => `${t.hostname}:${t.port}`),
      key_types: a.types,
    }),
    async run(a, ctx) {
      const types: KeyscanType[] = a.types;
      const targets: ResolvedTarget[] = a.targets;
      const results = await mapBounded(targets, 8, (t) =>
        keyscan(t.hostname, t.port, {
          types,
          name: hostKeyName(t),
          timeoutMs: Math.min(t.connectTimeout, 10) * 1000,
          signal: ctx.signal,
        }));
      const hosts = results.map((r, i) => ({
        host: targets[i].token,
        port: r.port,
        keys: r.keys.map((k) => ({
          type: k.keyType,
          fingerprint: k.fingerprint,
          line: k.knownHostsLine,
        })),
        errors: r.errors,
      }));
      const text = hosts.flatMap((h) => [
        ...h.keys.map((k) => `${k.line}\n# ${k.fingerprint}`),
        ...h.errors.map((e) => `# ${h.host}: ${e.type}: ${e.error}`),
      ]).join("\n");
      return { structured: { hosts }, text: text || "[no keys]" };
    },
  });

  return [sshFanout, sshCheck, sshKeyscan] as ToolDefinition[];
}
