/**
 * One job's output on disk, addressed by the same absolute byte offsets as the session's ring
 * buffer, so a cursor from `session_recv` means the same byte here.
 *
 * Layout: a head region (the first bytes, up to half the capacity) followed by a ring region
 * holding the newest bytes. Absolute offset `o` below `headLen` is at file position `o`; offset
 * `o >= ringStart` is at `headLen + (o - ringStart) % ringCap`. Bytes between the head and the
 * oldest byte the ring still holds are gone; a read whose cursor falls there starts at the next
 * byte held and says how many were dropped. The ring can begin after a gap (`skipTo`: output an
 * adopted job produced before its spool existed and that was not kept in memory).
 *
 * The file only grows while the shared budget agrees (`grow`); when it refuses, the ring is
 * frozen at its current size (at least `minRing`) and wraps from then on. Every write and every
 * read is synchronous: appends come from one pump, reads from tool calls, and neither can
 * interleave with the other on the shared file position.
 */
import { utf8HeadBoundary, utf8TailBoundary } from "../exec/mod.ts";

/** One read from a {@linkcode Spool}. */
export interface SpoolRead {
  /** The bytes read. */
  bytes: Uint8Array;
  /** Absolute offset of the first byte returned. */
  cursorStart: number;
  /** Absolute offset just past the last byte returned. */
  cursorEnd: number;
  /** Bytes after the requested cursor that the spool no longer holds. */
  droppedBytes: number;
}

/** Options for {@linkcode Spool.create}. */
export interface SpoolOptions {
  /** Most bytes on disk for this spool. */
  capacity: number;
  /** Asks the shared budget for `bytes` more on disk; false refuses (the ring then freezes). */
  grow?: (bytes: number) => boolean;
  /** Records growth the budget could not refuse (up to `minRing` after a refusal). */
  forceGrow?: (bytes: number) => void;
  /** Smallest ring kept when the budget refuses growth (default 64 KiB). */
  minRing?: number;
}

/** Options for {@linkcode Spool.read}. */
export interface SpoolReadOptions {
  /** Never read at or past this absolute offset (e.g. what the session has logged so far). */
  end?: number;
  /** The output is complete: a partial UTF-8 character at the very end is returned as is. */
  ended?: boolean;
}

/** A job's output file; see the module comment. */
export class Spool {
  /** The file path. */
  readonly path: string;
  #file: Deno.FsFile | null;
  #capacity: number;
  #grow: (bytes: number) => boolean;
  #forceGrow: (bytes: number) => void;
  #minRing: number;
  #headCap: number;
  #headLen = 0;
  #ringStart = -1;
  #ringCap = 0;
  #size = 0;
  #produced = 0;
  #failed: string | null = null;
  #deleted = false;

  private constructor(path: string, file: Deno.FsFile, options: SpoolOptions) {
    this.path = path;
    this.#file = file;
    this.#capacity = Math.max(2, Math.floor(options.capacity));
    this.#headCap = Math.floor(this.#capacity / 2);
    this.#grow = options.grow ?? (() => true);
    this.#forceGrow = options.forceGrow ?? (() => {});
    this.#minRing = Math.min(options.minRing ?? 65536, this.#capacity - this.#headCap);
  }

  /** Creates a new spool file (mode 0600; fails if it exists). */
  static create(path: string, options: SpoolOptions): Spool {
    const file = Deno.openSync(path, { read: true, write: true, createNew: true, mode: 0o600 });
    return new Spool(path, file, options);
  }

  /** Absolute offset just past the last byte appended. */
  get produced(): number {
    return this.#produced;
  }

  /** Bytes on disk. */
  get size(): number {
    return this.#deleted ? 0 : this.#size;
  }

  /** Why writing stopped (a write failed), or null. */
  get failed(): string | null {
    return this.#failed;
  }

  /** True once the file was deleted. */
  get deleted(): boolean {
    return this.#deleted;
  }

  /** Absolute offsets not held anywhere in the file (a gap and ring overwrites). */
  get droppedBytes(): number {
    const ringLo = this.#ringLo();
    return ringLo < 0 ? 0 : ringLo - this.#headLen;
  }

  /** The oldest absolute offset the ring region holds, or -1 before the ring began. */
  #ringLo(): number {
    if (this.#ringStart < 0) return -1;
    return Math.max(this.#ringStart, this.#produced - this.#ringCap);
  }

  #startRing(at: number, cap: number): void {
    this.#ringStart = at;
    this.#ringCap = Math.max(1, cap);
  }

  /**
   * Declares that the bytes before absolute `offset` will never be appended (they were not
   * kept): the head closes where it is and the ring begins at `offset`. Only before the ring began.
   */
  skipTo(offset: number): void {
    if (offset <= this.#produced) return;
    if (this.#ringStart >= 0) throw new RangeError("skipTo: only before the ring began");
    this.#startRing(offset, this.#capacity - this.#headLen);
    this.#produced = offset;
  }

  /** Appends output (synchronously; a failed write stops spooling and is reported by `failed`). */
  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#failed || this.#deleted || !this.#file) {
      this.#produced += chunk.length;
      return;
    }
    try {
      this.#append(chunk);
    } catch (err) {
      this.#failed = (err as Error)?.message ?? String(err);
      this.#produced += chunk.length;
    }
  }

  #append(chunk: Uint8Array): void {
    let data = chunk;
    if (this.#ringStart < 0) {
      const room = this.#headCap - this.#headLen;
      const n = Math.min(room, data.length);
      if (n > 0) {
        if (!this.#grow(n)) {
          // No budget for the head: what is there stays the head; the ring starts small.
          this.#startRing(this.#produced, this.#minRing);
        } else {
          this.#write(this.#headLen, data.subarray(0, n));
          this.#headLen += n;
          this.#size += n;
          this.#produced += n;
          data = data.subarray(n);
        }
      }
      if (data.length === 0) return;
      if (this.#ringStart < 0) this.#startRing(this.#produced, this.#capacity - this.#headLen);
    }
    // A chunk longer than the ring: only its newest ringCap bytes can be held.
    const used = this.#produced - this.#ringStart; // bytes ever written into the ring region
    let ringBytes = Math.min(used, this.#ringCap); // bytes the ring region holds on disk
    if (ringBytes < this.#ringCap) {
      const want = Math.min(this.#ringCap - ringBytes, data.length);
      if (!this.#grow(want)) {
        // Freeze: keep what is on disk (at least minRing) and wrap from now on.
        const cap = Math.max(ringBytes, Math.min(this.#minRing, this.#ringCap));
        const forced = Math.max(0, Math.min(cap - ringBytes, data.length));
        if (forced) this.#forceGrow(forced);
        this.#ringCap = cap;
      }
    }
    if (data.length > this.#ringCap) {
      const skip = data.length - this.#ringCap;
      this.#produced += skip;
      data = data.subarray(skip);
    }
    let pos = this.#produced;
    let off = 0;
    while (off < data.length) {
      const rel = (pos - this.#ringStart) % this.#ringCap;
      const n = Math.min(this.#ringCap - rel, data.length - off);
      this.#write(this.#headLen + rel, data.subarray(off, off + n));
      off += n;
      pos += n;
    }
    this.#produced = pos;
    ringBytes = Math.min(this.#produced - this.#ringStart, this.#ringCap);
    this.#size = this.#headLen + ringBytes;
  }

  #write(at: number, bytes: Uint8Array): void {
    const f = this.#file!;
    f.seekSync(at, Deno.SeekMode.Start);
    let off = 0;
    while (off < bytes.length) off += f.writeSync(bytes.subarray(off));
  }

  /** File position of absolute offset `o` (which must be held). */
  #pos(o: number): number {
    if (o < this.#headLen) return o;
    return this.#headLen + (o - this.#ringStart) % this.#ringCap;
  }

  /**
   * Reads up to `maxBytes` from absolute `cursor`. A cursor in a gap moves to the next byte held
   * (continuation bytes there count as dropped); an incomplete UTF-8 character at the end is held
   * back unless the output ended there.
   */
  read(cursor: number, maxBytes: number, options: SpoolReadOptions = {}): SpoolRead {
    const limit = Math.min(this.#produced, options.end ?? Infinity);
    if (this.#deleted) throw new Error(`Cannot read ${this.path}: the spool was deleted`);
    const ringLo = this.#ringLo();
    const headEnd = ringLo < 0 ? this.#produced : this.#headLen;
    let start = cursor;
    let runEnd: number;
    if (cursor < headEnd) runEnd = ringLo < 0 || ringLo === headEnd ? limit : headEnd;
    else if (ringLo >= 0 && cursor < ringLo) {
      start = ringLo;
      runEnd = limit;
    } else runEnd = limit;
    start = Math.min(start, limit);
    const end = Math.max(start, Math.min(runEnd, start + Math.max(0, maxBytes)));
    let bytes = this.#readRange(start, end);
    if (start > cursor) {
      const skip = utf8TailBoundary(bytes, 0);
      bytes = bytes.subarray(skip);
      start += skip;
    }
    const complete = options.ended && start + bytes.length === this.#produced;
    if (!complete) bytes = bytes.subarray(0, utf8HeadBoundary(bytes, bytes.length));
    return {
      bytes,
      cursorStart: start,
      cursorEnd: start + bytes.length,
      droppedBytes: start - cursor,
    };
  }

  #readRange(from: number, to: number): Uint8Array {
    const out = new Uint8Array(to - from);
    if (out.length === 0) return out;
    const own = this.#file;
    const f = own ?? Deno.openSync(this.path, { read: true });
    try {
      let o = from;
      while (o < to) {
        // A contiguous file stretch: to the head's end, or to the ring's wrap point.
        const p = this.#pos(o);
        const stretch = o < this.#headLen ? this.#headLen - o : this.#headLen + this.#ringCap - p;
        const n = Math.min(stretch, to - o);
        f.seekSync(p, Deno.SeekMode.Start);
        let got = 0;
        while (got < n) {
          const r = f.readSync(out.subarray(o - from + got, o - from + n));
          if (r === null || r === 0) break;
          got += r;
        }
        o += n;
      }
    } finally {
      if (!own) f.close();
    }
    return out;
  }

  /** Stops writing and releases the file handle (reads then open the file on demand). */
  endWrites(): void {
    try {
      this.#file?.close();
    } catch { /* already closed */ }
    this.#file = null;
  }

  /** Deletes the file (idempotent). */
  delete(): void {
    this.endWrites();
    if (this.#deleted) return;
    this.#deleted = true;
    try {
      Deno.removeSync(this.path);
    } catch { /* already gone */ }
  }
}
