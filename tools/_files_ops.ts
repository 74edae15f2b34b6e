/** `file_ops`: mkdir -p, move, delete (recursive only when asked) and chmod of one path. */
import { z } from "zod";
import { deletePath, formatMode, makeDirs, movePath, parseMode } from "../lib/files/mod.ts";
import { detail } from "../lib/mcp/mod.ts";
import { Tier } from "../lib/policy/mod.ts";
import { defineTool, type ToolDefinition } from "../lib/runner/mod.ts";
import type { ToolDeps } from "./deps.ts";
import { fileCallHelpers, type OpFacts } from "./_files_shared.ts";

const FILE_OPS = ["mkdir", "move", "delete", "chmod"] as const;

/** Builds `file_ops`. */
export function fileOpsTool(deps: ToolDeps): ToolDefinition {
  const { located, hostAudit, policyOf, onBackend } = fileCallHelpers(deps);
  // ---- file_ops ----------------------------------------------------------------------------
  const opsInput = located({
    op: z.enum(FILE_OPS),
    to: z.string().optional(),
    recursive: z.boolean().optional(),
    overwrite: z.boolean().optional(),
    mode: z.string().optional(),
  });
  type OpsArgs = z.output<typeof opsInput>;
  const opsFacts = (a: OpsArgs): OpFacts => ({
    op: a.op,
    recursive: a.op === "delete" && a.recursive === true,
    overwrite: a.op === "move" && a.overwrite === true,
  });
  const checkOps = (a: OpsArgs) => {
    if (a.op === "move" && !a.to) throw new TypeError("to: op=move needs the new path");
    if (a.op !== "move" && a.to !== undefined) throw new TypeError("to: only for op=move");
    if (a.op !== "delete" && a.recursive) {
      throw new TypeError("recursive: only for op=delete (mkdir always creates parents)");
    }
    if (a.op === "chmod" && a.mode === undefined) throw new TypeError("mode: op=chmod needs it");
    if (a.mode !== undefined) {
      if (a.op !== "chmod" && a.op !== "mkdir") throw new TypeError("mode: only for chmod, mkdir");
      parseMode(a.mode);
    }
  };
  const fileOps = defineTool({
    name: "file_ops",
    title: "File ops",
    description: "mkdir -p, move, delete (recursive if asked), chmod (octal).",
    toolset: "files",
    input: opsInput,
    output: z.object({
      op: z.string().meta(detail),
      path: z.string(),
      to: z.string().optional().meta(detail),
      created: z.boolean().optional().meta(detail),
      deleted: z.int().optional().meta(detail),
      mode: z.string().optional().meta(detail),
    }),
    tier: Tier.REVERSIBLE,
    hints: { openWorld: true, destructive: true },
    policy: (a) => {
      checkOps(a);
      return policyOf(a, opsFacts(a));
    },
    auditArgs: (a) => ({
      ...hostAudit(a),
      op: a.op,
      path: a.path,
      to: a.to ?? "",
      recursive: a.recursive ?? false,
      overwrite: a.overwrite ?? false,
      mode: a.mode ?? "",
    }),
    run(a, ctx) {
      checkOps(a);
      return onBackend(a, ctx, opsFacts(a), async (b, abs, to) => {
        switch (a.op) {
          case "mkdir": {
            const mode = a.mode === undefined ? 0o755 : parseMode(a.mode);
            const created = await makeDirs(b, abs, mode);
            return {
              structured: { op: a.op, path: abs, created, mode: formatMode(mode) },
              text: created ? `created ${abs}` : `${abs} already exists`,
            };
          }
          case "move":
            await movePath(b, abs, to!, a.overwrite ?? false);
            return { structured: { op: a.op, path: abs, to }, text: `moved ${abs} -> ${to}` };
          case "delete": {
            const n = await deletePath(b, abs, {
              recursive: a.recursive ?? false,
              signal: ctx.signal,
            });
            return {
              structured: { op: a.op, path: abs, deleted: n },
              text: `deleted ${abs}${n > 1 ? ` (${n} entries)` : ""}`,
              audit: { deleted: n },
            };
          }
          case "chmod": {
            const mode = parseMode(a.mode!);
            await b.chmod(abs, mode);
            return {
              structured: { op: a.op, path: abs, mode: formatMode(mode) },
              text: `chmod ${formatMode(mode)} ${abs}`,
            };
          }
        }
      });
    },
  });

  return fileOps as ToolDefinition;
}
