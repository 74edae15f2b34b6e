/**
 * Watches what sudo writes before the command starts: its password prompt (a random marker given
 * with `-p`), its messages, and the start marker the command's wrapper prints once sudo let it
 * run. Pure and transport-neutral: a local stderr pipe, a PTY and an SSH channel all feed bytes.
 * Prompts are counted only before the start marker, so a command cannot fake one to get the
 * password typed into its input.
 */
import { randomHex } from "../util/mod.ts";

/** The markers of one sudo invocation (random per call). */
export interface SudoMarkers {
  /** The `-p` prompt (no `%`, which sudo would expand). */
  readonly prompt: string;
  /** Printed by the wrapper when the command starts. */
  readonly start: string;
}

/** Fresh random markers. */
export function sudoMarkers(): SudoMarkers {
  return { prompt: `RSP_${randomHex(8)}:`, start: `RSS_${randomHex(8)}` };
}

/** What one chunk revealed. */
export interface SudoWatchStep {
  /** Prompts that appeared in this chunk. */
  prompts: number;
  /** The start marker's line completed in this chunk. */
  started: boolean;
  /** Offset in this chunk where the command's own bytes begin (when `started`), else -1. */
  restAt: number;
}

const latin1 = new TextDecoder("latin1");
const KEEP = 65536;

/** The watcher; see the module comment. */
export class SudoWatcher {
  #m: SudoMarkers;
  #text = ""; // latin1 text since the start, trimmed at the front beyond KEEP
  #head = ""; // the first bytes, for messages
  #promptFrom = 0;
  #prompts = 0;
  #started = false;

  /** Watches for `markers`. */
  constructor(markers: SudoMarkers) {
    this.#m = markers;
  }

  /** Prompts seen so far. */
  get prompts(): number {
    return this.#prompts;
  }

  /** True once the start marker's line was seen. */
  get started(): boolean {
    return this.#started;
  }

  /** Feeds bytes in order; after the start everything is the command's and is not examined. */
  feed(chunk: Uint8Array): SudoWatchStep {
    if (this.#started) return { prompts: 0, started: false, restAt: 0 };
    const piece = latin1.decode(chunk);
    if (this.#head.length < 4096) this.#head += piece.slice(0, 4096 - this.#head.length);
    this.#text += piece;
    const base = this.#text.length - piece.length; // text offset of chunk[0]
    const startAt = this.#text.indexOf(this.#m.start);
    const nl = startAt < 0 ? -1 : this.#text.indexOf("\n", startAt + this.#m.start.length);
    const limit = nl >= 0 ? startAt : this.#text.length;
    let prompts = 0;
    for (;;) {
      const i = this.#text.indexOf(this.#m.prompt, this.#promptFrom);
      if (i < 0 || i + this.#m.prompt.length > limit) break;
      prompts++;
      this.#promptFrom = i + this.#m.prompt.length;
    }
    this.#prompts += prompts;
    if (nl >= 0) {
      this.#started = true;
      return { prompts, started: true, restAt: nl + 1 - base };
    }
    if (this.#text.length > KEEP) {
      const cut = this.#text.length - KEEP;
      this.#text = this.#text.slice(cut);
      this.#promptFrom = Math.max(0, this.#promptFrom - cut);
    }
    return { prompts, started: false, restAt: -1 };
  }

  /** sudo's own words so far (markers removed, trimmed, at most 300 characters). */
  messages(): string {
    return sudoMessages(this.#head, this.#m);
  }
}

/** sudo's words in `text` (before the start marker; prompts removed), shortened for an error. */
export function sudoMessages(text: string, markers: SudoMarkers): string {
  const before = text.split(markers.start)[0].split(markers.prompt).join("\n");
  const lines = before.split(/\r?\n|\r/).map((l) => l.trim()).filter((l) => l !== "");
  const joined = lines.join(" / ");
  return joined.length > 300 ? `${joined.slice(0, 299)}…` : joined;
}
