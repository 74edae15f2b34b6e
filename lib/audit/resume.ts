/**
 * Where a restarted sink continues the hash chain: the last complete line of the active file, or,
 * when that file is missing or empty (just rotated), of the newest rotated sibling
 * (`audit.jsonl.1`, `audit.jsonl-20261121`, with or without `.gz`, newest by mtime). Only the end
 * of a plain file is read; a `.gz` sibling is decompressed as a stream, keeping the last line only.
 */
import { basename, dirname, join } from "node:path";
import { chainFieldProblem, type ChainHead, chainMatches, parseRecord } from "./chain.ts";
import { fileChunks, splitLines } from "./_lines.ts";
import { lastLineSync, readTail } from "./_tail_reader.ts";

/** Where the chain continues from. */
export interface ResumeResult {
  /** The head to link to, or null to start at genesis. */
  head: ChainHead | null;
  /** The file the head came from ("" when none was used). */
  source: string;
  /** Set when an existing tail could not be used and the chain restarts at genesis (a seam). */
  warning?: string;
}

/** Finds the chain head to continue from for the audit file at `path`. */
export async function resumeChain(path: string): Promise<ResumeResult> {
  let size = 0;
  try {
    const st = await Deno.stat(path);
    if (!st.isFile) return { head: null, source: "" };
    size = st.size;
  } catch {
    // Missing or unreadable: look for a rotated sibling.
  }
  if (size > 0) {
    let line: string | null;
    try {
      const tail = await readTail(path, 1);
      line = tail.lines.at(-1) ?? null;
    } catch (err) {
      return genesis(path, `cannot read the tail: ${(err as Error).message}`);
    }
    return fromLine(path, line);
  }
  const sibling = await newestRotatedSibling(path);
  if (!sibling) return { head: null, source: "" };
  let line: string | null;
  try {
    line = sibling.endsWith(".gz")
      ? await lastLineOfStream(sibling)
      : (await readTail(sibling, 1)).lines.at(-1) ?? null;
  } catch (err) {
    return genesis(sibling, `cannot read the tail: ${(err as Error).message}`);
  }
  return fromLine(sibling, line);
}

/**
 * The chain head on the last line of the active file, read synchronously (used under the append
 * lock after another process appended; rotated siblings are not consulted there).
 */
export function headOfFileSync(path: string): ResumeResult {
  let line: string | null;
  try {
    line = lastLineSync(path);
  } catch (err) {
    return genesis(path, `cannot read the tail: ${(err as Error).message}`);
  }
  return fromLine(path, line);
}

function fromLine(source: string, line: string | null): ResumeResult {
  if (line === null) return genesis(source, "no complete line at the end of the file");
  const record = parseRecord(line);
  if (!record) return genesis(source, "the last line is not a JSON object");
  const problem = chainFieldProblem(record);
  if (problem) return genesis(source, `the last line is unusable: ${problem}`);
  if (!chainMatches(record)) {
    return genesis(source, "the last line's chain value does not match its content");
  }
  return { head: { seq: record.seq as number, chain: record.chain as string }, source };
}

function genesis(source: string, why: string): ResumeResult {
  return {
    head: null,
    source,
    warning: `audit chain restarts at genesis (a seam): ${why} in ${source}`,
  };
}

/** The newest rotated sibling of `path` by mtime (`.N`, `-digits`, optionally `.gz`), or null. */
export async function newestRotatedSibling(path: string): Promise<string | null> {
  const dir = dirname(path);
  const base = basename(path);
  const pattern = new RegExp(`^${escapeRegExp(base)}[.-]\\d+(?:\\.gz)?$`);
  let best: { path: string; mtime: number } | null = null;
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !pattern.test(entry.name)) continue;
      const full = join(dir, entry.name);
      try {
        const mtime = (await Deno.stat(full)).mtime?.getTime() ?? 0;
        if (!best || mtime > best.mtime || (mtime === best.mtime && full > best.path)) {
          best = { path: full, mtime };
        }
      } catch {
        // Vanished meanwhile.
      }
    }
  } catch {
    return null;
  }
  return best?.path ?? null;
}

async function lastLineOfStream(path: string): Promise<string | null> {
  let last: Uint8Array | null = null;
  for await (const line of splitLines(fileChunks(path))) {
    // Chunks are freshly allocated, so keeping a view of one is safe.
    if (line.terminated) last = line.overlong ? null : line.bytes;
  }
  return last ? new TextDecoder().decode(last) : null;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
