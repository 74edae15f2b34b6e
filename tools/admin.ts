/**
 * Diagnostics and control: `server_info` (what is running, under which limits and grants),
 * `audit_tail` (recent audit records) and `operation_confirm` (arms a Tier-3 token).
 */
import { z } from "zod";
import { tailAudit } from "../lib/audit/mod.ts";
import { defineTool, type ToolDefinition } from "../lib/runner/mod.ts";
import { Tier } from "../lib/policy/tier.ts";
import { sha256Hex } from "../lib/util/hash.ts";
import type { ToolDeps } from "./deps.ts";
import { runtimeIdentity } from "./_runtime.ts";

/** Builds the `admin` tool group (operation_confirm is added by the caller when needed). */
export function adminTools(deps: ToolDeps): ToolDefinition[] {
  const c = deps.config;

  const serverInfo = defineTool({
    name: "server_info",
    title: "Server status",
    description:
      "Version, transport, policy mode, limits, audit log status and chain head, runtime user and sudo, Deno version and permission grants.",
    toolset: "admin",
    input: z.strictObject({}),
    output: z.object({
      version: z.string(),
      transport: z.string(),
      protocol_versions: z.array(z.string()),
      policy_mode: z.string(),
      confirm_tier3: z.boolean(),
      toolsets: z.array(z.string()),
      limits: z.record(z.string(), z.number()),
      audit: z.object({
        path: z.string(),
        degraded: z.boolean(),
        reason: z.string(),
        chain: z.boolean(),
        head_seq: z.int().nullable(),
        head_chain: z.string().nullable(),
      }),
      runtime: z.object({
        user: z.string(),
        uid: z.int(),
        euid: z.int(),
        sudo: z.string().nullable(),
        sudo_passwordless: z.boolean().nullable(),
      }),
      deno: z.object({ version: z.string(), permissions: z.record(z.string(), z.string()) }),
    }),
    tier: Tier.READ_ONLY,
    readOnly: true,
    hints: { idempotent: true },
    async run() {
      const st = deps.audit.status();
      const rt = await runtimeIdentity();
      const structured = {
        version: deps.facts.version,
        transport: deps.facts.transport,
        protocol_versions: [...deps.facts.protocolVersions],
        policy_mode: c.policyMode,
        confirm_tier3: c.confirmTier3,
        toolsets: [...c.toolsets],
        limits: {
          default_timeout: c.defaultTimeout,
          max_timeout: c.maxTimeout,
          max_output: c.maxOutput,
          max_output_hard: c.maxOutputHard,
          confirm_ttl: c.confirmTtl,
        },
        audit: {
          path: st.path,
          degraded: st.degraded,
          reason: st.reason,
          chain: st.chain,
          head_seq: st.head?.seq ?? null,
          head_chain: st.head?.chain ?? null,
        },
        runtime: rt,
        deno: { version: Deno.version.deno, permissions: { ...deps.facts.permissions } },
      };
      return { structured, text: JSON.stringify(structured, null, 1) };
    },
  });

  const auditTail = defineTool({
    name: "audit_tail",
    title: "Recent audit records",
    description:
      "The last audit records (oldest first), optionally filtered by tool, tier or denied.",
    toolset: "admin",
    input: z.strictObject({
      lines: z.int().min(1).max(1000).optional().describe(
        "Window of last lines scanned (default 50)",
      ),
      tool: z.string().optional(),
      tier: z.int().min(0).max(3).optional(),
      denied: z.boolean().optional(),
    }),
    output: z.object({ records: z.array(z.record(z.string(), z.unknown())) }),
    tier: Tier.READ_ONLY,
    readOnly: true,
    async run(a) {
      const records = await tailAudit(deps.audit.status().path, {
        lines: a.lines ?? 50,
        tool: a.tool,
        tier: a.tier,
        denied: a.denied,
      });
      const text = records.length
        ? records.map((r) => JSON.stringify(r)).join("\n")
        : "[no matching audit records]";
      return { structured: { records }, text };
    },
  });

  return [serverInfo, auditTail] as ToolDefinition[];
}

/** The `operation_confirm` tool; served whenever Tier-3 confirmation is on. */
export function confirmTool(deps: ToolDeps): ToolDefinition {
  return defineTool({
    name: "operation_confirm",
    title: "Confirm a Tier-3 call",
    description:
      "Arm the token a Tier-3 (irreversible) call returned; then re-issue that exact call once to run it.",
    toolset: "admin",
    input: z.strictObject({ token: z.string().min(1).max(200) }),
    output: z.object({ armed: z.boolean() }),
    tier: Tier.READ_ONLY,
    readOnly: true,
    auditArgs: (a) => ({ token_sha256: sha256Hex(a.token).slice(0, 12) }),
    run(a, ctx) {
      if (!deps.broker) {
        return Promise.resolve({
          structured: { armed: false },
          text:
            "[confirmation is off (RELAY_SHELL_CONFIRM_TIER3=false): Tier-3 calls run without it]",
          isError: true,
        });
      }
      const state = deps.broker.arm(a.token, ctx.clientId);
      return Promise.resolve(
        state === "armed"
          ? {
            structured: { armed: true },
            text: "[armed: re-issue the exact Tier-3 call now to run it once]",
          }
          : {
            structured: { armed: false },
            text: "[invalid or expired confirmation token: re-issue the call to get a new one]",
            isError: true,
          },
      );
    },
  }) as ToolDefinition;
}
