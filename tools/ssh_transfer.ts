/**
 * `ssh_upload` and `ssh_download` (toolset `files`): files and trees through the pooled SSH
 * connection, written atomically (temporary name, then rename), with `preserve`, `overwrite`,
 * `verify`, progress notifications and cancellation that removes the partial file. The core is
 * lib/ssh/transfer.ts; this file holds the schema, policy, audit and the result text.
 */
import { z } from "zod";
import { detail } from "../lib/mcp/json_schema.ts";
import { Tier } from "../lib/policy/tier.ts";
import { clampInt, defineTool, type ToolDefinition, type ToolResult } from "../lib/runner/mod.ts";
import {
  type HostResolver,
  type ResolvedTarget,
  resolveLocalPath,
  SshConnectionLostError,
  sshDownload,
  type SshPool,
  sshUpload,
  TransferError,
  type TransferResult,
} from "../lib/ssh/mod.ts";
import type { ToolDeps } from "./deps.ts";
import { effectiveOf, hostSubjects, resolveOrIssue } from "./_ssh_shared.ts";

const SHOWN = 5;
const LISTED = 500;

const output = z.object({
  files: z.int(),
  bytes: z.int(),
  duration_ms: z.int(),
  mb_per_s: z.number(),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })).meta(detail),
  destination: z.string().meta(detail),
  engines: z.array(z.string()).meta(detail),
  verified: z.boolean().meta(detail),
  done: z.array(z.object({ path: z.string(), bytes: z.int(), sha256: z.string().optional() }))
    .meta(detail),
});
type Output = z.output<typeof output>;

const mb = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`;

function names(list: readonly string[]): string {
  const head = list.slice(0, SHOWN).join(", ");
  return list.length > SHOWN ? `${head}, … (${list.length - SHOWN} more)` : head;
}

function success(r: TransferResult, head: string): ToolResult<Output> {
  const rate = r.bytesPerSecond / 1e6;
  const lines = [
    `${head}: ${r.files} file(s), ${mb(r.bytes)} in ${(r.durationMs / 1000).toFixed(1)}s (${
      rate.toFixed(1)
    } MB/s)${r.verified ? ", SHA-256 verified" : ""}`,
  ];
  if (r.skipped.length) {
    lines.push(
      `skipped ${r.skipped.length}: ${names(r.skipped.map((s) => `${s.path} (${s.reason})`))}`,
    );
  }
  return {
    structured: {
      files: r.files,
      bytes: r.bytes,
      duration_ms: r.durationMs,
      mb_per_s: Math.round(rate * 10) / 10,
      skipped: r.skipped.slice(0, LISTED),
      destination: r.destination,
      engines: r.engines,
      verified: r.verified,
      done: r.done.slice(0, LISTED).map((d) => ({
        path: d.path,
        bytes: d.bytes,
        sha256: d.sha256,
      })),
    },
    text: lines.join("\n"),
    audit: { files: r.files, bytes: r.bytes, engines: r.engines },
  };
}

function partial(err: TransferError): ToolResult<Output> {
  const lines = [`${err.message}.`];
  lines.push(
    err.done.length
      ? `Transferred before it: ${err.done.length} file(s), ${mb(err.bytes)}: ${
        names(err.done.map((d) => d.path))
      }.`
      : "Nothing was transferred.",
  );
  if (err.notAttempted.length) {
    lines.push(`Not attempted: ${err.notAttempted.length} file(s): ${names(err.notAttempted)}.`);
  }
  if (err.skipped.length) {
    lines.push(`Skipped ${err.skipped.length}: ${names(err.skipped.map((s) => s.path))}.`);
  }
  lines.push("No partial file was left; completed files are in place.");
  return {
    structured: {} as Output,
    isError: true,
    text: lines.join("\n"),
    audit: {
      files: err.done.length,
      bytes: err.bytes,
      failed: err.failed?.path ?? "",
      not_attempted: err.notAttempted.length,
    },
  };
}

/** Builds ssh_upload and ssh_download. */
export function sshTransferTools(
  deps: ToolDeps & { resolver: HostResolver; pool: SshPool },
): ToolDefinition[] {
  const c = deps.config;
  const { resolver, pool } = deps;
  const input = z.strictObject({
    host: z.string(),
    local_path: z.string(),
    remote_path: z.string(),
    recursive: z.boolean().optional(),
    timeout: z.number().optional(),
    preserve: z.boolean().optional(),
    overwrite: z.boolean().optional(),
    verify: z.boolean().optional(),
  }).transform((a, ctx) => {
    const target = resolveOrIssue(ctx, "host", () => resolver.resolveTarget(a.host));
    return target === z.NEVER ? z.NEVER : { ...a, target };
  });
  type Args = z.output<typeof input>;
  const timeoutOf = (a: Args) => (a.timeout ? clampInt(a.timeout, 0, 1, c.maxTimeout) : 0);

  const make = (up: boolean) => {
    const verb = up ? "upload" : "download";
    return defineTool({
      name: `ssh_${verb}`,
      title: up ? "SSH upload" : "SSH download",
      description: up
        ? "Copy a local file or tree to a host (atomic, verify)."
        : "Copy a remote file or tree here (atomic, verify).",
      toolset: "files",
      input,
      output,
      tier: up ? Tier.STATEFUL : Tier.REVERSIBLE,
      hints: { destructive: true, openWorld: true },
      policy: (a) => ({
        subjects: [
          ...hostSubjects([a.target]),
          a.local_path,
          ...(a.local_path ? [resolveLocalPath(a.local_path)] : []),
          a.remote_path,
          up
            ? `upload ${a.local_path} ${a.host}:${a.remote_path}`
            : `download ${a.host}:${a.remote_path} ${a.local_path}`,
        ],
      }),
      auditArgs: (a) => ({
        ...effectiveOf(a.target),
        local_path: a.local_path,
        remote_path: a.remote_path,
        recursive: a.recursive ?? false,
        timeout: timeoutOf(a),
        preserve: a.preserve ?? true,
        overwrite: a.overwrite ?? true,
        verify: a.verify ?? false,
      }),
      async run(a, ctx) {
        const t: ResolvedTarget = a.target;
        const options = {
          pool,
          target: t,
          localPath: a.local_path,
          remotePath: a.remote_path,
          recursive: a.recursive,
          preserve: a.preserve,
          overwrite: a.overwrite,
          verify: a.verify,
          timeoutMs: timeoutOf(a) * 1000,
          signal: ctx.signal,
          engine: c.transferEngine,
          groups: deps.groups,
          onProgress: ctx.wantsProgress
            ? (p: { bytes: number; totalBytes: number; files: number; totalFiles: number }) =>
              ctx.progress(
                p.bytes,
                p.totalBytes,
                `${p.files}/${p.totalFiles} files, ${mb(p.bytes)} of ${mb(p.totalBytes)}`,
              )
            : undefined,
        };
        try {
          const r = await (up ? sshUpload(options) : sshDownload(options));
          const head = up
            ? `uploaded ${r.source} -> ${t.token}:${r.destination}`
            : `downloaded ${t.token}:${r.source} -> ${r.destination}`;
          return success(r, head);
        } catch (err) {
          if (err instanceof TransferError) return partial(err);
          if (err instanceof SshConnectionLostError) {
            return {
              structured: {} as Output,
              isError: true,
              text: `${err.message}; the next call reconnects.`,
            };
          }
          throw err;
        }
      },
    }) as ToolDefinition;
  };
  return [make(true), make(false)];
}
