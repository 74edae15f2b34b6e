/**
 * What a foreground command printed while its call waited inline, kept in memory so it can seed
 * a job if the window closes first: the first `headBytes` and the newest `tailBytes` (memory is
 * taken only as output arrives, so a quiet command costs nothing). Nothing here touches the disk
 * or hashes: the command's own collectors count and hash every byte.
 */
import { type CollectedText, utf8HeadBoundary, utf8TailBoundary } from "../exec/mod.ts";
import { stripAnsi } from "../sessions/mod.ts";
import type { JobPrelude } from "./job_source.ts";

const dec = new TextDecoder();

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Head + tail of an output stream in memory; see the module comment. */
export class OutputCapture {
  #headCap: number;
  #tailCap: number;
  #head: Uint8Array[] = [];
  #headLen = 0;
  #ring: Uint8Array | null = null;
  #ringPos = 0; // next write position
  #ringLen = 0;
  #total = 0;

  /** Keeps the first `headBytes` and the newest `tailBytes` bytes. */
  constructor(headBytes: number, tailBytes: number) {
    if (!(headBytes >= 0 && tailBytes >= 16)) {
      throw new RangeError("OutputCapture: headBytes >= 0 and tailBytes >= 16 required");
    }
    this.#headCap = headBytes;
    this.#tailCap = tailBytes;
  }

  /** Every byte pushed so far. */
  get total(): number {
    return this.#total;
  }

  /** Adds a chunk (copied: the caller may reuse its buffer). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#total += chunk.length;
    let data = chunk;
    if (this.#headLen < this.#headCap) {
      const n = Math.min(this.#headCap - this.#headLen, data.length);
      this.#head.push(data.slice(0, n));
      this.#headLen += n;
      data = data.subarray(n);
      if (data.length === 0) return;
    }
    const cap = this.#tailCap;
    const ring = this.#ring ??= new Uint8Array(cap);
    if (data.length >= cap) {
      ring.set(data.subarray(data.length - cap));
      this.#ringPos = 0;
      this.#ringLen = cap;
      return;
    }
    let off = 0;
    while (off < data.length) {
      const n = Math.min(cap - this.#ringPos, data.length - off);
      ring.set(data.subarray(off, off + n), this.#ringPos);
      this.#ringPos = (this.#ringPos + n) % cap;
      off += n;
    }
    this.#ringLen = Math.min(cap, this.#ringLen + data.length);
  }

  #tail(): Uint8Array {
    const ring = this.#ring;
    if (!ring || this.#ringLen === 0) return new Uint8Array(0);
    const start = (this.#ringPos - this.#ringLen + this.#tailCap) % this.#tailCap;
    if (start + this.#ringLen <= this.#tailCap) return ring.slice(start, start + this.#ringLen);
    return concat([ring.subarray(start), ring.subarray(0, this.#ringPos)], this.#ringLen);
  }

  /** The kept bytes at their absolute offsets, to seed a job. */
  prelude(): JobPrelude {
    const tail = this.#tail();
    return {
      head: concat(this.#head, this.#headLen),
      tail,
      tailStart: this.#total - tail.length,
    };
  }

  /**
   * The output so far as text within `limit` bytes: all of it when it fits, else the first and
   * last `limit/2` bytes around a `[... N bytes cut ...]` line (never splitting a character).
   */
  render(limit: number): CollectedText {
    const head = concat(this.#head, this.#headLen);
    const tail = this.#tail();
    const whole = this.#total === head.length + tail.length;
    if (whole && this.#total <= limit) {
      const all = concat([head, tail], this.#total);
      return { text: dec.decode(all), shownBytes: all.length, cutBytes: 0 };
    }
    const src = whole ? concat([head, tail], this.#total) : null;
    const headSrc = src ?? head;
    const tailSrc = src ?? tail;
    const headWant = Math.min(Math.ceil(limit / 2), headSrc.length);
    const h = headSrc.subarray(0, utf8HeadBoundary(headSrc, headWant));
    const tailWant = Math.min(limit - headWant, tailSrc.length);
    const t = tailSrc.subarray(utf8TailBoundary(tailSrc, tailSrc.length - tailWant));
    const cut = this.#total - h.length - t.length;
    return {
      text: `${dec.decode(h)}\n[... ${cut} bytes cut ...]\n${dec.decode(t)}`,
      shownBytes: h.length + t.length,
      cutBytes: cut,
    };
  }

  /** The last non-empty line so far (ANSI stripped, at most `max` characters), for progress. */
  lastLine(max = 120): string {
    const tail = this.#tail();
    const parts = [tail];
    let n = tail.length;
    if (this.#total === this.#headLen + tail.length) {
      // No gap: the line may start in the head; take its last chunks only.
      for (let i = this.#head.length - 1; i >= 0 && n < 1024; i--) {
        parts.unshift(this.#head[i]);
        n += this.#head[i].length;
      }
    }
    const src = concat(parts, n);
    const text = stripAnsi(dec.decode(src.subarray(Math.max(0, src.length - 1024))));
    const lines = text.split(/\r?\n|\r/).map((l) => l.trim()).filter((l) => l !== "");
    const last = lines.at(-1) ?? "";
    return last.length > max ? `${last.slice(0, max - 1)}…` : last;
  }
}
