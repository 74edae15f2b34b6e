/**
 * The head of a remote command's stderr when it runs behind the stdin wrapper with a start
 * marker: the wrapper prints `<marker> <pgid>` on a line of its own before it reads stdin (under
 * sudo: only once sudo let it run). {@linkcode StartLineWatcher} finds that line, takes the
 * process group id from it, and hands back the bytes around it: without sudo what came before is
 * the login shell's own output and is passed on; under sudo it is sudo's prompt and messages and
 * is withheld (see lib/sudo). The line itself never reaches the output.
 */

/** What one chunk gave. */
export interface StartLineStep {
  /** Bytes to pass on as the command's stderr. */
  pass: Uint8Array[];
  /** The start line completed in this chunk. */
  started: boolean;
}

const latin1 = new TextDecoder("latin1");
const HOLD = 65536;

/** Watches stderr for the start line; see the module comment. */
export class StartLineWatcher {
  #marker: string;
  #withhold: boolean;
  #held: Uint8Array[] = [];
  #text = "";
  #state: "watching" | "started" | "gave-up" = "watching";
  #pgid: number | null = null;

  /** Watches for `marker`; `withholdBefore`: bytes before the line are not passed on (sudo). */
  constructor(marker: string, withholdBefore = false) {
    this.#marker = marker;
    this.#withhold = withholdBefore;
  }

  /** True once the start line was seen. */
  get started(): boolean {
    return this.#state === "started";
  }

  /** The remote process group id from the start line, or null. */
  get pgid(): number | null {
    return this.#pgid;
  }

  /** The text held before the start line (sudo's words), for an error. */
  heldText(): string {
    return this.#text;
  }

  /** Feeds stderr bytes in order. */
  feed(chunk: Uint8Array): StartLineStep {
    if (this.#state !== "watching") return { pass: [chunk], started: false };
    this.#held.push(chunk);
    this.#text += latin1.decode(chunk);
    const at = this.#text.indexOf(this.#marker);
    const nl = at < 0 ? -1 : this.#text.indexOf("\n", at);
    if (nl < 0) {
      if (this.#text.length > HOLD && !this.#withhold) {
        this.#state = "gave-up";
        return { pass: this.#release(), started: false };
      }
      return { pass: [], started: false };
    }
    const m = /^ (\d+)\r?$/.exec(this.#text.slice(at + this.#marker.length, nl));
    const pgid = m ? Number(m[1]) : NaN;
    this.#pgid = Number.isSafeInteger(pgid) && pgid > 1 ? pgid : null;
    const all = this.#bytes();
    const pass: Uint8Array[] = [];
    if (!this.#withhold && at > 0) pass.push(all.subarray(0, at));
    if (nl + 1 < all.length) pass.push(all.subarray(nl + 1));
    this.#state = "started";
    this.#held = [];
    this.#text = this.#text.slice(0, at);
    return { pass, started: true };
  }

  /** At the end: what is still held (the wrapper never started), to show as output. */
  flush(): Uint8Array[] {
    if (this.#state !== "watching" || this.#withhold) return [];
    this.#state = "gave-up";
    return this.#release();
  }

  #bytes(): Uint8Array {
    const n = this.#held.reduce((s, c) => s + c.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.#held) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }

  #release(): Uint8Array[] {
    const out = this.#held;
    this.#held = [];
    this.#text = "";
    return out;
  }
}
