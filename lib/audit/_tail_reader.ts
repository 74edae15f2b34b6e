/**
 * Reads the last lines of a file by seeking backwards from the end in blocks (private to
 * lib/audit), so the cost depends on the lines wanted, not on the size of the file.
 */

const BLOCK = 64 * 1024;

/** Most bytes read backwards for one request; older lines beyond this are not returned. */
export const MAX_TAIL_BYTES = 64 * 1024 * 1024;

/** The end of a file. */
export interface FileTail {
  /** Up to the requested number of complete (newline-terminated) lines, oldest first. */
  lines: string[];
  /** Bytes after the last newline, decoded ("" when the file ends with a newline). */
  torn: string;
  /** File size when read. */
  size: number;
}

/** Reads the last `count` complete lines of `path` and any torn final fragment. */
export async function readTail(path: string, count: number): Promise<FileTail> {
  const file = await Deno.open(path, { read: true });
  try {
    const size = (await file.stat()).size;
    const blocks: Uint8Array[] = [];
    let pos = size;
    let total = 0;
    let newlines = 0;
    // count complete lines need count + 1 newlines (the one before the oldest line) unless the
    // start of the file is reached.
    while (pos > 0 && newlines <= count && total < MAX_TAIL_BYTES) {
      const len = Math.min(BLOCK, pos);
      pos -= len;
      const buf = new Uint8Array(len);
      await file.seek(pos, Deno.SeekMode.Start);
      let got = 0;
      while (got < len) {
        const n = await file.read(buf.subarray(got));
        if (n === null) break;
        got += n;
      }
      const block = buf.subarray(0, got);
      blocks.unshift(block);
      total += got;
      for (let i = block.indexOf(10); i !== -1; i = block.indexOf(10, i + 1)) newlines++;
      if (got < len) break; // the file shrank under us; use what we have
    }
    const data = concatBlocks(blocks, total);
    const decoder = new TextDecoder();
    const parts: string[] = [];
    let start = 0;
    for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, start)) {
      parts.push(decoder.decode(data.subarray(start, i)));
      start = i + 1;
    }
    const torn = decoder.decode(data.subarray(start));
    // Unless we reached the start of the file, the first piece may begin mid-line.
    if (pos > 0 && parts.length > 0) parts.shift();
    return { lines: parts.slice(Math.max(0, parts.length - count)), torn, size };
  } finally {
    file.close();
  }
}

/**
 * The last complete line of `path`, read synchronously backwards in blocks (for the audit sink's
 * locked critical section, which must not yield to the event loop). Null when there is none.
 */
export function lastLineSync(path: string): string | null {
  const file = Deno.openSync(path, { read: true });
  try {
    const size = file.statSync().size;
    const blocks: Uint8Array[] = [];
    let pos = size;
    let total = 0;
    let newlines = 0;
    while (pos > 0 && newlines < 2 && total < MAX_TAIL_BYTES) {
      const len = Math.min(BLOCK, pos);
      pos -= len;
      const buf = new Uint8Array(len);
      file.seekSync(pos, Deno.SeekMode.Start);
      let got = 0;
      while (got < len) {
        const n = file.readSync(buf.subarray(got));
        if (n === null) break;
        got += n;
      }
      const block = buf.subarray(0, got);
      blocks.unshift(block);
      total += got;
      for (let i = block.indexOf(10); i !== -1; i = block.indexOf(10, i + 1)) newlines++;
      if (got < len) break;
    }
    const data = concatBlocks(blocks, total);
    const end = data.lastIndexOf(10);
    if (end < 0) return null; // no complete line
    const start = data.lastIndexOf(10, end - 1) + 1;
    if (start === 0 && pos > 0) return null; // longer than what we read
    return new TextDecoder().decode(data.subarray(start, end));
  } finally {
    file.close();
  }
}

function concatBlocks(blocks: Uint8Array[], total: number): Uint8Array {
  if (blocks.length === 1) return blocks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const b of blocks) {
    out.set(b, off);
    off += b.length;
  }
  return out;
}
