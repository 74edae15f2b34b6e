/**
 * Terminal output made readable as plain text. Escape sequences go (CSI, OSC ended by BEL or ST,
 * DCS/SOS/PM/APC strings, charset selects, two-byte ESC sequences, a lone ESC), and the few
 * controls that move the cursor within a line are applied the way a terminal shows them:
 * `\r\n` is a newline; a bare `\r` returns to the line start, so text written after it replaces
 * the line (progress bars read as their last state); backspace removes the character before it;
 * BEL, other C0 and C1 controls are dropped; tab and newline stay.
 */

const ESC = 0x1b;
const BEL = 0x07;

/**
 * End (exclusive) of the escape sequence that starts with ESC at `i`, or -1 when the input ends
 * before the sequence does. `at(k)` gives the code unit or byte at `k`; every byte that decides a
 * sequence is ASCII, so the same scan works on bytes and on decoded text.
 */
export function escapeEnd(at: (k: number) => number, i: number, n: number): number {
  if (i + 1 >= n) return -1;
  const c = at(i + 1);
  let j = i + 2;
  if (c === 0x5b) { // CSI: parameters 0x30-0x3f, intermediates 0x20-0x2f, final 0x40-0x7e
    while (j < n) {
      const d = at(j);
      if (d >= 0x40 && d <= 0x7e) return j + 1;
      if (d < 0x20 || d > 0x3f) return j; // malformed: end before the stray character
      j++;
    }
    return -1;
  }
  if (c === 0x5d || c === 0x50 || c === 0x58 || c === 0x5e || c === 0x5f) { // OSC DCS SOS PM APC
    while (j < n) {
      const d = at(j);
      if (d === BEL) return j + 1;
      if (d === ESC) {
        if (j + 1 >= n) return -1;
        return at(j + 1) === 0x5c ? j + 2 : j; // ST, or an ESC that aborts the string
      }
      j++;
    }
    return -1;
  }
  if (c >= 0x20 && c <= 0x2f) { // intermediates (charset selects and the like), then a final
    while (j < n && at(j) >= 0x20 && at(j) <= 0x2f) j++;
    if (j >= n) return -1;
    const f = at(j);
    return f >= 0x30 && f <= 0x7e ? j + 1 : j;
  }
  if (c >= 0x30 && c <= 0x7e) return i + 2; // ESC 7, ESC =, ESC M, ESC \ ...
  return i + 1; // a lone ESC
}

/**
 * Where an escape sequence left incomplete at the end of `bytes` starts (only the last 4096
 * bytes are examined), or -1 when the bytes end outside any sequence.
 */
export function incompleteEscapeStart(bytes: Uint8Array): number {
  const n = bytes.length;
  const at = (k: number) => bytes[k];
  // Walk forward from sequence to sequence, so an ESC that ends an open string is seen as part of it.
  let i = bytes.indexOf(ESC, Math.max(0, n - 4096));
  while (i >= 0) {
    const end = escapeEnd(at, i, n);
    if (end < 0) return i;
    i = bytes.indexOf(ESC, Math.max(end, i + 1));
  }
  return -1;
}

/** Plain, readable text from terminal output; see the module comment for the rules. */
export function stripAnsi(text: string): string {
  const n = text.length;
  const at = (k: number) => text.charCodeAt(k);
  const out: string[] = [];
  let line = ""; // the current line, still editable by \r and backspace
  let overwrite = false; // a bare \r was seen: the next printable character starts the line anew
  let run = 0; // start of a run of plain characters not yet copied into `line`
  const flush = (end: number) => {
    if (end > run) {
      if (overwrite) {
        line = "";
        overwrite = false;
      }
      line += text.slice(run, end);
    }
  };
  let i = 0;
  while (i < n) {
    const c = at(i);
    if (c >= 0x20 && c !== 0x7f && (c < 0x80 || c > 0x9f)) {
      i++;
      continue;
    }
    flush(i);
    if (c === ESC) {
      const end = escapeEnd(at, i, n);
      i = end < 0 ? n : end;
    } else if (c === 0x0a) {
      out.push(line, "\n");
      line = "";
      overwrite = false;
      i++;
    } else if (c === 0x0d) {
      if (at(i + 1) !== 0x0a) overwrite = true;
      i++;
    } else if (c === 0x08) {
      if (!overwrite && line.length) {
        const last = line.charCodeAt(line.length - 1);
        line = line.slice(0, last >= 0xdc00 && last <= 0xdfff ? -2 : -1);
      }
      i++;
    } else if (c === 0x09) {
      run = i;
      i++;
      flush(i);
    } else {
      i++; // BEL, other C0, DEL, C1
    }
    run = i;
  }
  flush(n);
  out.push(line);
  return out.join("");
}
