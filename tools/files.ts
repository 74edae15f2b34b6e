/**
 * File operations on a host (over SFTP) or, without `host`, on this machine: `file_read` (paged
 * by byte offset), `file_write` (atomic whole-file writes, appends), `file_list` (listing or
 * stat) and `file_ops` (mkdir -p, move, delete, chmod). The tools pick a backend and never branch
 * per verb on local vs remote; the tier comes from the operation and the paths.
 */
import { z } from "zod";
import {
  FileError,
  formatMode,
  fromBase64,
  listPath,
  parseMode,
  readPage,
  writeFile,
} from "../lib/files/mod.ts";
import { detail } from "../lib/mcp/mod.ts";
import { Tier } from "../lib/policy/mod.ts";
import { clampInt, defineTool, type ToolDefinition } from "../lib/runner/mod.ts";
import { sha256Hex } from "../lib/util/hash.ts";
import type { ToolDeps } from "./deps.ts";
import { fileOpsTool } from "./_files_ops.ts";
import { fileCallHelpers, type OpFacts } from "./_files_shared.ts";

const MIB = 1024 * 1024;
/** Entries a listing returns at most. */
export const LIST_LIMIT = 1000;
/** Deepest listing. */
export const MAX_DEPTH = 20;

/** Builds the `files` tool group. */
export function fileTools(deps: ToolDeps): ToolDefinition[] {
  const c = deps.config;
  // A page, with its header, must fit in one result.
  const maxPage = Math.max(1024, Math.min(MIB, c.maxOutputHard - 1024));

  const { located, hostAudit, policyOf, onBackend } = fileCallHelpers(deps);

  // ---- file_read ---------------------------------------------------------------------------
  const readInput = located({
    offset: z.number().optional(),
    length: z.number().optional(),
    encoding: z.enum(["text", "base64"]).optional(),
  });
  const pageLength = (a: { length?: number; encoding?: string }) => {
    const max = a.encoding === "base64" ? Math.floor(maxPage * 3 / 4) : maxPage;
    return clampInt(a.length, Math.min(c.maxOutput, max), 1, max);
  };
  const pageOffset = (o: number | undefined) => {
    if (o !== undefined && !(Number.isSafeInteger(o) && o >= 0)) {
      throw new RangeError(`offset: must be a whole number >= 0, got ${o}`);
    }
    return o ?? 0;
  };
  const fileRead = defineTool({
    name: "file_read",
    title: "Read file",
    description: "Read a file page by byte offset (host or local); continue at next_offset.",
    toolset: "files",
    input: readInput,
    output: z.object({
      content: z.string(),
      offset: z.int().meta(detail),
      bytes: z.int().meta(detail),
      size: z.int(),
      next_offset: z.int().nullable(),
      eof: z.boolean().meta(detail),
      encoding: z.string().meta(detail),
      path: z.string().meta(detail),
    }),
    tier: Tier.READ_ONLY,
    readOnly: true,
    hints: { openWorld: true },
    policy: (a) => policyOf(a, { op: "read" }),
    auditArgs: (a) => ({
      ...hostAudit(a),
      path: a.path,
      offset: a.offset ?? 0,
      length: pageLength(a),
      encoding: a.encoding ?? "text",
    }),
    run(a, ctx) {
      const encoding = a.encoding ?? "text";
      return onBackend(a, ctx, { op: "read" }, async (b, abs) => {
        const p = await readPage(b, abs, {
          offset: pageOffset(a.offset),
          length: pageLength(a),
          encoding,
        });
        if (encoding === "base64" && deps.redactor.size > 0) {
          // Base64 would carry a loaded secret past the runner's redaction: refuse that page.
          const raw = new TextDecoder().decode(fromBase64(p.content));
          if (deps.redactor.redactLiterals(raw) !== raw) {
            throw new FileError(
              "read",
              abs,
              "this page holds a loaded secret's value, which base64 would expose; read it " +
                'with encoding="text" (the value comes back as [REDACTED])',
            );
          }
        }
        const end = p.offset + p.bytes;
        const more = p.nextOffset === null ? "end of file" : `next_offset=${p.nextOffset}`;
        return {
          structured: {
            content: p.content,
            offset: p.offset,
            bytes: p.bytes,
            size: p.size,
            next_offset: p.nextOffset,
            eof: p.eof,
            encoding,
            path: abs,
          },
          text: `[${abs}: bytes ${p.offset}-${end} of ${p.size}; ${more}${
            encoding === "base64" ? "; base64" : ""
          }]\n${p.content}`,
          outputBytes: p.bytes,
          audit: { size: p.size, bytes: p.bytes },
        };
      });
    },
  });

  // ---- file_write --------------------------------------------------------------------------
  const writeInput = located({
    content: z.string(),
    encoding: z.enum(["text", "base64"]).optional(),
    append: z.boolean().optional(),
    overwrite: z.boolean().optional(),
    create_dirs: z.boolean().optional(),
    mode: z.string().optional(),
  });
  type WriteArgs = z.output<typeof writeInput>;
  const bytesOf = (a: WriteArgs) =>
    a.encoding === "base64" ? fromBase64(a.content) : new TextEncoder().encode(a.content);
  const writeFacts = (a: WriteArgs): OpFacts => ({
    op: a.append ? "append" : "write",
    overwrite: !a.append && a.overwrite === true,
  });
  const fileWrite = defineTool({
    name: "file_write",
    title: "Write file",
    description: "Write a file atomically or append; overwrite=true replaces one.",
    toolset: "files",
    input: writeInput,
    output: z.object({
      path: z.string(),
      bytes: z.int(),
      created: z.boolean().meta(detail),
      mode: z.string().meta(detail),
      sha256: z.string().meta(detail),
    }),
    tier: Tier.REVERSIBLE,
    hints: { openWorld: true, destructive: true },
    policy: (a) => {
      if (a.mode !== undefined) parseMode(a.mode);
      return policyOf(a, writeFacts(a));
    },
    auditArgs: (a) => {
      const data = bytesOf(a);
      return {
        ...hostAudit(a),
        path: a.path,
        content_bytes: data.length,
        content_sha256: sha256Hex(data),
        encoding: a.encoding ?? "text",
        append: a.append ?? false,
        overwrite: a.overwrite ?? false,
        create_dirs: a.create_dirs ?? false,
        mode: a.mode ?? "",
      };
    },
    run(a, ctx) {
      const data = bytesOf(a);
      const mode = a.mode === undefined ? undefined : parseMode(a.mode);
      return onBackend(a, ctx, writeFacts(a), async (b, abs) => {
        const r = await writeFile(b, abs, {
          data,
          append: a.append ?? false,
          overwrite: a.overwrite ?? false,
          createDirs: a.create_dirs ?? false,
          mode,
        });
        const sha256 = sha256Hex(data);
        const verb = a.append ? "appended" : "wrote";
        return {
          structured: {
            path: r.path,
            bytes: r.bytes,
            created: r.created,
            mode: formatMode(r.mode),
            sha256,
          },
          text: `${verb} ${r.bytes} bytes to ${r.path}${r.created ? " (created)" : ""}, mode ${
            formatMode(r.mode)
          }`,
        };
      });
    },
  });

  // ---- file_list ---------------------------------------------------------------------------
  const listInput = located({
    depth: z.number().optional(),
    glob: z.string().optional(),
    hidden: z.boolean().optional(),
  });
  const fileList = defineTool({
    name: "file_list",
    title: "List files",
    description: "List a directory or stat a path: type, size, mode, mtime, link.",
    toolset: "files",
    input: listInput,
    output: z.object({
      path: z.string(),
      entries: z.array(z.object({
        path: z.string(),
        type: z.enum(["file", "dir", "symlink", "other"]),
        size: z.int(),
        mode: z.string(),
        mtime: z.string(),
        target: z.string().optional(),
      })),
      truncated: z.boolean().meta(detail),
      is_dir: z.boolean().meta(detail),
    }),
    tier: Tier.READ_ONLY,
    readOnly: true,
    hints: { openWorld: true },
    policy: (a) => policyOf(a, { op: "list" }),
    auditArgs: (a) => ({
      ...hostAudit(a),
      path: a.path,
      depth: clampInt(a.depth, 1, 1, MAX_DEPTH),
      glob: a.glob ?? "",
      hidden: a.hidden ?? false,
    }),
    run(a, ctx) {
      return onBackend(a, ctx, { op: "list" }, async (b, abs) => {
        const r = await listPath(b, abs, {
          depth: clampInt(a.depth, 1, 1, MAX_DEPTH),
          glob: a.glob || undefined,
          hidden: a.hidden ?? false,
          limit: LIST_LIMIT,
          signal: ctx.signal,
        });
        const lines = r.entries.map((e) =>
          `${
            e.type === "dir" ? "d" : e.type === "symlink" ? "l" : e.type === "file" ? "-" : "?"
          } ${e.mode} ${String(e.size).padStart(9)} ${e.mtime} ${e.path}${
            e.target !== undefined ? ` -> ${e.target}` : ""
          }`
        );
        const head = r.isDir
          ? `${abs}: ${r.entries.length} entries${
            r.truncated ? ` (truncated at ${LIST_LIMIT}; narrow with depth or glob)` : ""
          }`
          : `${abs}: not a directory; its stat:`;
        return {
          structured: { path: abs, entries: r.entries, truncated: r.truncated, is_dir: r.isDir },
          text: [head, ...lines].join("\n"),
          audit: { entries: r.entries.length, truncated: r.truncated },
        };
      });
    },
  });
  return [fileRead, fileWrite, fileList, fileOpsTool(deps)] as ToolDefinition[];
}
