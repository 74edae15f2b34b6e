/**
 * The `secrets` tool group: `secrets_load` reads a local `.env` file and returns only the names
 * (values are redacted everywhere from then on and reach commands as environment variables);
 * `secrets_list` shows names, scopes and files; `secrets_clear` stops handing values out (they
 * stay redacted). Loading into a live shell session (its scope, or `all`) also sets the variables
 * there, typed with echo off.
 */
import { z } from "zod";
import { detail } from "../lib/mcp/mod.ts";
import { Tier } from "../lib/policy/tier.ts";
import { defineTool, type ToolDefinition } from "../lib/runner/mod.ts";
import { exportInShell, parseScope, type SecretStore } from "../lib/secrets/mod.ts";
import type { Session } from "../lib/sessions/mod.ts";
import type { ToolDeps } from "./deps.ts";

/** The live shell sessions a load for `scope` also updates. */
function liveTargets(deps: ToolDeps, scope: ReturnType<typeof parseScope>): Session[] {
  const reg = deps.sessions;
  if (!reg) return [];
  if (scope.kind === "session") return [reg.get(scope.id)];
  if (scope.kind === "host") {
    return reg.list().filter((s) =>
      s.host === scope.host && s.kind !== "job" && s.state === "running"
    );
  }
  return reg.list().filter((s) => s.kind !== "job" && s.state === "running");
}

/** Builds the `secrets` tool group (needs a store in the deps). */
export function secretsTools(deps: ToolDeps & { secrets: SecretStore }): ToolDefinition[] {
  const store = deps.secrets;

  const load = defineTool({
    name: "secrets_load",
    title: "Load secrets",
    description:
      "Load a .env file's values for later commands' env (scope: all, host:<alias>, session:<id>); redacted everywhere. Returns names.",
    toolset: "secrets",
    input: z.strictObject({
      path: z.string(),
      scope: z.string().optional(),
    }),
    output: z.object({
      names: z.array(z.string()).meta(detail),
      refused: z.array(z.looseObject({})).optional().meta(detail),
      scope: z.string().optional().meta(detail),
      sessions: z.array(z.string()).optional().meta(detail),
    }),
    tier: Tier.REVERSIBLE,
    hints: { destructive: false },
    policy: (a) => ({ subjects: [a.path] }),
    auditArgs: (a) => ({ path: a.path, scope: a.scope ?? "all" }),
    async run(a, ctx) {
      const scope = parseScope(a.scope);
      const targets = liveTargets(deps, scope);
      if (scope.kind === "session" && targets[0].kind === "job") {
        throw new TypeError(
          `scope: ${scope.id} is a job; a running job's environment cannot change`,
        );
      }
      const r = await store.load(a.path, { scope });
      const lines = [
        `loaded ${r.names.length} secret${
          r.names.length === 1 ? "" : "s"
        } (scope ${r.scope}) from ${r.source}${r.names.length ? `: ${r.names.join(", ")}` : ""}`,
      ];
      for (const x of r.refused) lines.push(`refused ${x.name}: ${x.reason}`);
      const env = Object.fromEntries(
        Object.entries(store.envOfScope(scope)).filter(([k]) => r.names.includes(k)),
      );
      const updated: string[] = [];
      for (const s of Object.keys(env).length ? targets : []) {
        if (!s.posixShell) {
          lines.push(`not set in ${s.id} (not a shell): sessions started from now on get them`);
          continue;
        }
        try {
          await exportInShell(s, env, { signal: ctx.signal });
          updated.push(s.id);
        } catch (err) {
          lines.push(`not set in ${s.id}: ${(err as Error).message}`);
        }
      }
      if (updated.length) lines.push(`set in ${updated.join(", ")}`);
      return {
        structured: { names: r.names, refused: r.refused, scope: r.scope, sessions: updated },
        text: lines.join("\n"),
        audit: { names: r.names, refused: r.refused.map((x) => x.name) },
      };
    },
  });

  const list = defineTool({
    name: "secrets_list",
    title: "List secrets",
    description: "Names, scopes and files of loaded secrets.",
    toolset: "secrets",
    input: z.strictObject({}),
    output: z.object({ secrets: z.array(z.looseObject({})).meta(detail) }),
    tier: Tier.READ_ONLY,
    readOnly: true,
    run() {
      const secrets = store.list();
      return Promise.resolve({
        structured: { secrets },
        text: secrets.length
          ? secrets.map((s) => `${s.name} (${s.scope}) from ${s.source}`).join("\n")
          : "[no secrets loaded]",
      });
    },
  });

  const clear = defineTool({
    name: "secrets_clear",
    title: "Clear secrets",
    description: "Forget secrets (default: all); their values stay redacted.",
    toolset: "secrets",
    input: z.strictObject({ names: z.array(z.string()).optional() }),
    output: z.object({ cleared: z.array(z.string()).meta(detail) }),
    tier: Tier.REVERSIBLE,
    hints: { destructive: false },
    run(a) {
      const gone = store.clear(a.names);
      const cleared = [...new Set(gone.map((g) => g.name))];
      return Promise.resolve({
        structured: { cleared },
        text: cleared.length ? `cleared ${cleared.join(", ")}` : "[nothing to clear]",
      });
    },
  });

  return [load, list, clear] as ToolDefinition[];
}
