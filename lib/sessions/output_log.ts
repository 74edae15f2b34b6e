/**
 * A session's output: a fixed-size ring of the newest bytes addressed by ABSOLUTE byte cursors.
 * `produced` counts every byte ever appended and never resets, so a cursor stays meaningful
 * however much output passed; a read whose cursor fell out of the ring starts at the oldest byte
 * still held and says how many bytes were dropped. Reads never split a UTF-8 character. Memory
 * is the ring and nothing else, at any output volume.
 */
import { incompleteEscapeStart } from "./ansi.ts";

/** One read from an {@linkcode OutputLog}. */
export interface LogRead {
  /** The bytes read (a copy). */
  bytes: Uint8Array;
  /** Absolute offset of the first byte returned (past the requested cursor if bytes were dropped). */
  cursorStart: number;
  /** Absolute offset just past the last byte returned: the cursor for the next read. */
  cursorEnd: number;
  /** Bytes after the requested cursor that left the ring before they could be read. */
  droppedBytes: number;
}

/** Options for {@linkcode OutputLog.read}. */
export interface LogReadOptions {
  /** Also hold back an escape sequence cut off at the end (for text rendering). */
  holdEscape?: boolean;
}

const isCont = (b: number) => (b & 0xc0) === 0x80;

/** Length of the incomplete UTF-8 sequence at the end of `b` (0 if none). */
function incompleteTail(b: Uint8Array): number {
  for (let k = 1; k <= Math.min(3, b.length); k++) {
    const x = b[b.length - k];
    if (isCont(x)) continue;
    const need = x >= 0xf0 ? 4 : x >= 0xe0 ? 3 : x >= 0xc0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}

/** The ring-buffered, cursor-addressed output of one session. */
export class OutputLog {
  #ring: Uint8Array;
  #start: number;
  #produced: number;
  #ended = false;
  #lastOutputAt = performance.now();
  #pulse: { promise: Promise<void>; resolve: () => void } | null = null;
  #listeners = new Set<(chunk: Uint8Array) => void>();

  /**
   * A log holding the newest `capacity` bytes. `start` is the absolute offset of the first byte
   * appended (a job adopted after its output began); bytes before it count as dropped.
   */
  constructor(capacity: number, start = 0) {
    if (!Number.isInteger(capacity) || capacity < 16) {
      throw new RangeError("capacity: must be an integer >= 16");
    }
    if (!Number.isInteger(start) || start < 0) {
      throw new RangeError("start: must be an integer >= 0");
    }
    this.#ring = new Uint8Array(capacity);
    this.#start = this.#produced = start;
  }

  /** Ring size in bytes. */
  get capacity(): number {
    return this.#ring.length;
  }

  /** Bytes ever appended (the cursor just past the newest byte). */
  get produced(): number {
    return this.#produced;
  }

  /** Absolute offset of the oldest byte still held. */
  get oldest(): number {
    return Math.max(this.#start, this.#produced - this.#ring.length);
  }

  /** Bytes that have left the ring (produced minus retained). */
  get dropped(): number {
    return this.oldest;
  }

  /** True once the producer ended (no more output will come). */
  get ended(): boolean {
    return this.#ended;
  }

  /** When output last arrived (`performance.now()` milliseconds). */
  get lastOutputAt(): number {
    return this.#lastOutputAt;
  }

  /** Appends output (copied: the caller may reuse `chunk`); wakes waiters and listeners. */
  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const cap = this.#ring.length;
    const src = chunk.length > cap ? chunk.subarray(chunk.length - cap) : chunk;
    const skipped = chunk.length - src.length;
    let pos = (this.#produced + skipped) % cap;
    let off = 0;
    while (off < src.length) {
      const n = Math.min(cap - pos, src.length - off);
      this.#ring.set(src.subarray(off, off + n), pos);
      off += n;
      pos = 0;
    }
    this.#produced += chunk.length;
    this.#lastOutputAt = performance.now();
    if (this.#listeners.size) {
      const copy = chunk.slice(); // the caller may reuse its buffer
      for (const l of this.#listeners) l(copy);
    }
    this.#wake();
  }

  /** Marks the end of output (trailing partial characters are then returned as they are). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#wake();
  }

  /** Calls `listener` with (a copy of) every later chunk; returns the function that stops it. */
  subscribe(listener: (chunk: Uint8Array) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A promise that resolves on the next append or end. */
  changed(): Promise<void> {
    if (!this.#pulse) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#pulse = { promise, resolve };
    }
    return this.#pulse.promise;
  }

  #wake(): void {
    const p = this.#pulse;
    this.#pulse = null;
    p?.resolve();
  }

  /** Copies absolute range [from, to) out of the ring (both must be retained). */
  #copy(from: number, to: number): Uint8Array {
    const cap = this.#ring.length;
    const out = new Uint8Array(to - from);
    let pos = from % cap;
    let off = 0;
    while (off < out.length) {
      const n = Math.min(cap - pos, out.length - off);
      out.set(this.#ring.subarray(pos, pos + n), off);
      off += n;
      pos = 0;
    }
    return out;
  }

  /** Every retained byte, oldest first (a copy). */
  retained(): Uint8Array {
    return this.#copy(this.oldest, this.#produced);
  }

  /**
   * Reads up to `maxBytes` (>= 4) from absolute `cursor` (<= produced). A cursor that fell out of
   * the ring moves to the oldest byte held; continuation bytes at a dropped boundary are skipped
   * and counted as dropped (a caller's cursor inside a character is honoured as given); an incomplete character at the end is held back until it completes or
   * the log ends.
   */
  read(cursor: number, maxBytes: number, options: LogReadOptions = {}): LogRead {
    if (!Number.isInteger(cursor) || cursor < 0) {
      throw new RangeError("cursor: must be an integer >= 0");
    }
    if (cursor > this.#produced) {
      throw new RangeError(
        `cursor: ${cursor} is past the end of the output (${this.#produced} bytes so far)`,
      );
    }
    if (!Number.isInteger(maxBytes) || maxBytes < 4) {
      throw new RangeError("max_bytes: must be an integer >= 4");
    }
    let start = Math.max(cursor, this.oldest);
    const end = Math.min(this.#produced, start + maxBytes);
    let bytes = this.#copy(start, end);
    let skip = 0;
    // A dropped boundary can land inside a character: its remaining bytes are dropped too.
    if (start > cursor) { while (skip < 3 && skip < bytes.length && isCont(bytes[skip])) skip++; }
    if (skip) {
      bytes = bytes.subarray(skip);
      start += skip;
    }
    let cut = 0;
    if (!this.#ended || end < this.#produced) cut = incompleteTail(bytes);
    if (options.holdEscape && !this.#ended) {
      const e = incompleteEscapeStart(bytes.subarray(0, bytes.length - cut));
      if (e >= 0) cut = bytes.length - e;
    }
    if (cut) bytes = bytes.subarray(0, bytes.length - cut);
    return {
      bytes,
      cursorStart: start,
      cursorEnd: start + bytes.length,
      droppedBytes: start - cursor,
    };
  }

  /** The last `maxBytes` bytes after `cursor` (for pattern matching), starting on a character. */
  tail(cursor: number, maxBytes: number): Uint8Array {
    const from = Math.max(cursor, this.oldest, this.#produced - maxBytes);
    const b = this.#copy(from, this.#produced);
    let skip = 0;
    while (skip < 3 && skip < b.length && isCont(b[skip])) skip++;
    return b.subarray(skip);
  }
}
