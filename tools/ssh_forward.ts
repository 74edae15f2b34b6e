/**
 * The `forwards` tool group: `ssh_forward` opens a local (-L), remote (-R) or dynamic SOCKS5 (-D)
 * forward through the pooled SSH connection of a host, `ssh_forward_list` shows them with their
 * counters, `ssh_forward_close` ends one. The spec is parsed and the host resolved while the
 * arguments are validated, so a bad spec is refused before any connection is made and policy,
 * audit and confirmation see the effective connection and the normalized spec.
 */
import { z } from "zod";
import { detail } from "../lib/mcp/mod.ts";
import { Tier } from "../lib/policy/tier.ts";
import { defineTool, type ToolDefinition } from "../lib/runner/mod.ts";
import {
  formatForwardSpec,
  type ForwardInfo,
  type ForwardManager,
  type HostResolver,
  isLoopbackBind,
  parseForwardSpec,
} from "../lib/ssh/mod.ts";
import type { ToolDeps } from "./deps.ts";
import { effectiveOf, hostSubjects, resolveOrIssue } from "./_ssh_shared.ts";

/** What the forward tools need besides the shared deps. */
export interface ForwardServices {
  /** Host resolution. */
  resolver: HostResolver;
  /** The forward registry. */
  forwards: ForwardManager;
}

const forwardSchema = z.looseObject({});

function line(f: ForwardInfo): string {
  const at = f.bind_address.includes(":") ? `[${f.bind_address}]` : f.bind_address;
  const where = f.kind === "R" ? `${f.host} ${at}:${f.bind_port}` : `${at}:${f.bind_port}`;
  return `${f.id} ${f.state} ${f.spec} via ${f.host} listening ${where}; ${f.connections} open, ` +
    `${f.total_connections} total, ${f.bytes_out} B out, ${f.bytes_in} B in` +
    (f.last_error ? `; last error: ${f.last_error}` : "");
}

/** Builds the `forwards` tool group. */
export function forwardTools(deps: ToolDeps & ForwardServices): ToolDefinition[] {
  const { resolver, forwards } = deps;

  const open = defineTool({
    name: "ssh_forward",
    title: "SSH port forward",
    description:
      "Open a tunnel: spec L:[bind:]port:dest:dport, R:[bind:]port:dest:dport or D:[bind:]port (SOCKS5).",
    toolset: "forwards",
    input: z.strictObject({ host: z.string(), spec: z.string() }).transform((a, ctx) => {
      const spec = resolveOrIssue(ctx, "spec", () => parseForwardSpec(a.spec));
      if (spec === z.NEVER) return z.NEVER;
      const target = resolveOrIssue(ctx, "host", () => resolver.resolveTarget(a.host));
      return target === z.NEVER ? z.NEVER : { ...a, parsed: spec, target };
    }),
    output: z.object({
      id: z.string(),
      bind_address: z.string().meta(detail),
      bind_port: z.number().meta(detail),
      kind: z.string().meta(detail),
      spec: z.string().meta(detail),
      state: z.string().meta(detail),
    }),
    tier: Tier.STATEFUL,
    hints: { destructive: false, openWorld: true },
    policy: (a) => ({
      subjects: [...hostSubjects([a.target]), a.spec, formatForwardSpec(a.parsed)],
      // A listener other hosts can reach is exposure, not just state.
      minTier: isLoopbackBind(a.parsed.bindHost) ? undefined : Tier.IRREVERSIBLE,
    }),
    auditArgs: (a) => ({ ...effectiveOf(a.target), spec: formatForwardSpec(a.parsed) }),
    async run(a, ctx) {
      const f = await forwards.open(a.target, a.parsed, { signal: ctx.signal });
      return {
        structured: {
          id: f.id,
          bind_address: f.bind_address,
          bind_port: f.bind_port,
          kind: f.kind,
          spec: f.spec,
          state: f.state,
        },
        text: line(f),
        audit: { forward: f.id, bind_address: f.bind_address, bind_port: f.bind_port },
      };
    },
  });

  const list = defineTool({
    name: "ssh_forward_list",
    title: "List port forwards",
    description: "Forwards with state, bound port, open connections and bytes each way.",
    toolset: "forwards",
    input: z.strictObject({}),
    output: z.object({ forwards: z.array(forwardSchema).meta(detail) }),
    tier: Tier.READ_ONLY,
    readOnly: true,
    run() {
      const all = forwards.list();
      return Promise.resolve({
        structured: { forwards: all },
        text: all.length ? all.map(line).join("\n") : "[no forwards]",
      });
    },
  });

  const close = defineTool({
    name: "ssh_forward_close",
    title: "Close port forward",
    description: "Close a forward: its listener and every connection it carries.",
    toolset: "forwards",
    input: z.strictObject({ id: z.string() }),
    output: z.object({ forward: forwardSchema.meta(detail) }),
    tier: Tier.REVERSIBLE,
    hints: { destructive: false },
    async run(a) {
      const f = await forwards.close(a.id.trim());
      return { structured: { forward: f }, text: `closed ${line(f)}` };
    },
  });

  return [open, list, close] as ToolDefinition[];
}
