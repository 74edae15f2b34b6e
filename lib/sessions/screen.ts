/**
 * The screen a person would see: a headless terminal emulator (`@xterm/headless`) fed with a
 * session's output. It is created on the first screen read, replays the bytes the ring still
 * holds, then follows every new chunk. If the emulator falls far behind a flood of output it is
 * dropped and rebuilt from the ring on the next read, so its memory stays bounded too.
 */
import xterm from "@xterm/headless";
import type { OutputLog } from "./output_log.ts";

const { Terminal } = xterm;
type Term = InstanceType<typeof Terminal>;

const MAX_PENDING = 4 * 1024 * 1024; // bytes written to the emulator but not yet parsed

/** A rendered screen. */
export interface ScreenView {
  /** Visible rows, trailing spaces trimmed, trailing empty rows removed. */
  text: string;
  /** Cursor position, 0-based. */
  cursor: { row: number; col: number };
  /** Output bytes the last rebuild could not replay (they had left the ring): the screen may be incomplete. */
  missingBytes: number;
}

/** Follows an {@linkcode OutputLog} with a headless terminal; see the module comment. */
export class ScreenRenderer {
  #log: OutputLog;
  #cols: number;
  #rows: number;
  #term: Term | null = null;
  #unsubscribe: (() => void) | null = null;
  #pending = 0;
  #missing = 0;

  /** A renderer for `log` at `cols`×`rows`; nothing is created until the first render. */
  constructor(log: OutputLog, cols: number, rows: number) {
    this.#log = log;
    this.#cols = cols;
    this.#rows = rows;
  }

  #feed(term: Term, chunk: Uint8Array): void {
    if (this.#pending > MAX_PENDING) {
      this.#drop(); // too far behind: rebuild from the ring when next asked
      return;
    }
    this.#pending += chunk.length;
    term.write(chunk, () => (this.#pending -= chunk.length));
  }

  #build(): Term {
    const term = new Terminal({
      cols: this.#cols,
      rows: this.#rows,
      scrollback: 0,
      allowProposedApi: true,
    });
    this.#term = term;
    this.#pending = 0;
    this.#missing = this.#log.dropped;
    this.#feed(term, this.#log.retained());
    this.#unsubscribe = this.#log.subscribe((chunk) => {
      if (this.#term === term) this.#feed(term, chunk);
    });
    return term;
  }

  #drop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#term?.dispose();
    this.#term = null;
  }

  /** Follows a terminal resize. */
  resize(cols: number, rows: number): void {
    this.#cols = cols;
    this.#rows = rows;
    this.#term?.resize(cols, rows);
  }

  /** Renders the current screen after everything received so far has been parsed. */
  async render(): Promise<ScreenView> {
    const term = this.#term ?? this.#build();
    await new Promise<void>((resolve) => term.write(new Uint8Array(0), resolve));
    const buf = term.buffer.active;
    const rows: string[] = [];
    for (let y = 0; y < term.rows; y++) {
      rows.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? "");
    }
    while (rows.length && rows[rows.length - 1] === "") rows.pop();
    return {
      text: rows.join("\n"),
      cursor: { row: buf.cursorY, col: buf.cursorX },
      missingBytes: this.#missing,
    };
  }

  /** Releases the emulator. */
  dispose(): void {
    this.#drop();
  }
}
