/**
 * Streaming line reading for audit files (private to lib/audit): byte chunks from a plain or
 * gzip-compressed file, split on `\n` with bounded memory (a line longer than the cap is cut).
 */

const CHUNK = 64 * 1024;

/** Longest line kept in memory; longer lines are reported as `overlong`. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** One line of a file. */
export interface FileLine {
  /** The line's bytes without the newline (at most {@linkcode MAX_LINE_BYTES}). */
  bytes: Uint8Array;
  /** False for a final line with no trailing newline (torn). */
  terminated: boolean;
  /** True when the line was longer than the cap and was cut. */
  overlong: boolean;
}

/** Reads a file's bytes in chunks; `.gz` paths are decompressed. Closes the file when done. */
export async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  try {
    if (path.endsWith(".gz")) {
      yield* gunzipChunks(file);
    } else {
      while (true) {
        const buf = new Uint8Array(CHUNK);
        const n = await file.read(buf);
        if (n === null) return;
        yield buf.subarray(0, n);
      }
    }
  } finally {
    file.close();
  }
}

async function* gunzipChunks(file: Deno.FsFile): AsyncGenerator<Uint8Array> {
  // A feeder task reads the file into the decompressor while we read its output. Stopping early
  // cancels the output and waits for the feeder, so no read is left pending on the file.
  const ds = new DecompressionStream("gzip");
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  let stop = false;
  const feeder = (async () => {
    try {
      while (!stop) {
        const buf = new Uint8Array(CHUNK);
        const n = await file.read(buf);
        if (n === null) return await writer.close();
        await writer.write(buf.subarray(0, n));
      }
    } catch {
      // The output side was cancelled or the data is corrupt; the reader reports the latter.
    }
  })();
  try {
    while (true) {
      const r = await reader.read();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    stop = true;
    await reader.cancel().catch(() => {});
    await feeder;
  }
}

/** Splits byte chunks into lines; the last line is unterminated when the data lacks a final `\n`. */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<FileLine> {
  let carry: Uint8Array[] = [];
  let carried = 0;
  let overlong = false;
  for await (const chunk of chunks) {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (!overlong) {
        if (carried + piece.length > MAX_LINE_BYTES) {
          overlong = true;
          carry.push(piece.slice(0, MAX_LINE_BYTES - carried));
          carried = MAX_LINE_BYTES;
        } else if (nl !== -1 && carry.length === 0) {
          // Common case: the whole line is inside this chunk; no copy.
          yield { bytes: piece, terminated: true, overlong: false };
          start = nl + 1;
          continue;
        } else {
          carry.push(piece.slice());
          carried += piece.length;
        }
      }
      if (nl === -1) break;
      yield { bytes: concat(carry, carried), terminated: true, overlong };
      carry = [];
      carried = 0;
      overlong = false;
      start = nl + 1;
    }
  }
  if (carried > 0 || overlong) yield { bytes: concat(carry, carried), terminated: false, overlong };
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
