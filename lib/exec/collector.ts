/**
 * A bounded output collector: keeps the first and last bytes of a stream (head + tail) up to a
 * byte capacity, counts every byte and hashes every byte, so memory stays flat whatever a child
 * prints while the hash still covers the whole stream.
 */
import { createHash, type Hash } from "node:crypto";

/** What a collector renders: text within a byte limit plus the counts behind it. */
export interface CollectedText {
  /** Decoded text; when cut, head and tail joined by a marker line. */
  text: string;
  /** Bytes of output shown (head + tail, before the marker). */
  shownBytes: number;
  /** Bytes left out of `text` (0 when everything fits). */
  cutBytes: number;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/** Length of `bytes` with any incomplete UTF-8 sequence at the end removed. */
export function utf8HeadBoundary(bytes: Uint8Array, end: number): number {
  // Walk back over continuation bytes (at most 3) to the lead byte of the last character.
  let i = end;
  let cont = 0;
  while (i > 0 && cont < 3 && (bytes[i - 1] & 0xc0) === 0x80) {
    i--;
    cont++;
  }
  if (i === 0) return end;
  const lead = bytes[i - 1];
  if (lead < 0xc0) return end; // ASCII, or stray continuation bytes: nothing to complete
  const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
  return cont >= need ? end : i - 1;
}

/** Offset of the first character boundary at or after `start` (skips continuation bytes). */
export function utf8TailBoundary(bytes: Uint8Array, start: number): number {
  let i = start;
  let n = 0;
  while (i < bytes.length && n < 3 && (bytes[i] & 0xc0) === 0x80) {
    i++;
    n++;
  }
  return i;
}

/** Collects one byte stream within `capacity` bytes (head half + tail half). */
export class BoundedCollector {
  #capacity: number;
  #headCap: number;
  #tailCap: number;
  #head: Uint8Array | null = null; // allocated when the first bytes arrive
  #headLen = 0;
  #tail: Uint8Array | null = null;
  #tailStart = 0; // ring start
  #tailLen = 0;
  #total = 0;
  #hash: Hash = createHash("sha256");

  /** Keeps at most `capacity` bytes: the first half and the last half of the stream. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) {
      throw new RangeError(`capacity must be an integer >= 2 (got ${capacity})`);
    }
    this.#capacity = capacity;
    this.#headCap = Math.ceil(capacity / 2);
    this.#tailCap = capacity - this.#headCap;
  }

  /** Every byte pushed so far. */
  get totalBytes(): number {
    return this.#total;
  }

  /** True when more bytes arrived than the capacity keeps. */
  get overflowed(): boolean {
    return this.#total > this.#capacity;
  }

  /** Adds a chunk: hashed and counted in full, kept within the capacity. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#hash.update(chunk);
    this.#total += chunk.length;
    let data = chunk;
    if (this.#headLen < this.#headCap) {
      const n = Math.min(this.#headCap - this.#headLen, data.length);
      // Grow the head to what is needed (most commands print little), up to its cap.
      const need = this.#headLen + n;
      if (!this.#head || this.#head.length < need) {
        const grown = new Uint8Array(
          Math.min(this.#headCap, Math.max(need, 2 * (this.#head?.length ?? 0), 4096)),
        );
        if (this.#head) grown.set(this.#head.subarray(0, this.#headLen));
        this.#head = grown;
      }
      this.#head.set(data.subarray(0, n), this.#headLen);
      this.#headLen += n;
      data = data.subarray(n);
      if (data.length === 0) return;
    }
    const cap = this.#tailCap;
    if (cap === 0) return;
    this.#tail ??= new Uint8Array(cap);
    if (data.length >= cap) {
      this.#tail.set(data.subarray(data.length - cap));
      this.#tailStart = 0;
      this.#tailLen = cap;
      return;
    }
    // Append into the ring, overwriting the oldest bytes when full.
    let writeAt = (this.#tailStart + this.#tailLen) % cap;
    let rest = data;
    while (rest.length > 0) {
      const n = Math.min(cap - writeAt, rest.length);
      this.#tail.set(rest.subarray(0, n), writeAt);
      rest = rest.subarray(n);
      writeAt = (writeAt + n) % cap;
    }
    const newLen = this.#tailLen + data.length;
    if (newLen > cap) {
      this.#tailStart = (this.#tailStart + (newLen - cap)) % cap;
      this.#tailLen = cap;
    } else {
      this.#tailLen = newLen;
    }
  }

  /** Hex SHA-256 of every byte pushed. Call once, after the stream ended. */
  digest(): string {
    return this.#hash.digest("hex");
  }

  #tailBytes(): Uint8Array {
    const tail = this.#tail;
    if (!tail) return new Uint8Array(0);
    const cap = tail.length;
    if (this.#tailStart + this.#tailLen <= cap) {
      return tail.subarray(this.#tailStart, this.#tailStart + this.#tailLen);
    }
    const out = new Uint8Array(this.#tailLen);
    const first = cap - this.#tailStart;
    out.set(tail.subarray(this.#tailStart));
    out.set(tail.subarray(0, this.#tailLen - first), first);
    return out;
  }

  #headBytes(): Uint8Array {
    return this.#head ? this.#head.subarray(0, this.#headLen) : new Uint8Array(0);
  }

  /** The kept bytes when nothing was cut (the whole stream), else null. */
  #whole(): Uint8Array | null {
    if (this.overflowed) return null;
    const head = this.#headBytes();
    if (this.#tailLen === 0) return head;
    const out = new Uint8Array(this.#total);
    out.set(head);
    out.set(this.#tailBytes(), this.#headLen);
    return out;
  }

  /**
   * Renders the stream as text within `limit` bytes (default: the capacity). When the stream is
   * longer, the first and last `limit/2` bytes are shown around a `[... N bytes cut ...]` line;
   * cuts never split a UTF-8 character.
   */
  render(limit = this.#capacity): CollectedText {
    const whole = this.#whole();
    if (whole && whole.length <= limit) {
      return { text: decoder.decode(whole), shownBytes: whole.length, cutBytes: 0 };
    }
    const all = whole ?? null;
    const headSrc = all ?? this.#headBytes();
    const tailSrc = all ?? this.#tailBytes();
    const headWant = Math.min(Math.ceil(limit / 2), headSrc.length);
    const headEnd = utf8HeadBoundary(headSrc, headWant);
    const tailWant = Math.min(limit - headWant, tailSrc.length);
    const tailStart = utf8TailBoundary(tailSrc, tailSrc.length - tailWant);
    const head = headSrc.subarray(0, headEnd);
    const tail = tailSrc.subarray(tailStart);
    const shown = head.length + tail.length;
    const cut = this.#total - shown;
    const text = `${decoder.decode(head)}\n[... ${cut} bytes cut ...]\n${decoder.decode(tail)}`;
    return { text, shownBytes: shown, cutBytes: cut };
  }
}
