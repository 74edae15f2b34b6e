/** Named keys and the bytes a terminal (xterm) sends for them. */

const FIXED: Record<string, string> = {
  "enter": "\r",
  "tab": "\t",
  "esc": "\x1b",
  "escape": "\x1b",
  "backspace": "\x7f",
  "space": " ",
  "delete": "\x1b[3~",
  "insert": "\x1b[2~",
  "up": "\x1b[A",
  "down": "\x1b[B",
  "right": "\x1b[C",
  "left": "\x1b[D",
  "home": "\x1b[H",
  "end": "\x1b[F",
  "page-up": "\x1b[5~",
  "page-down": "\x1b[6~",
  "f1": "\x1bOP",
  "f2": "\x1bOQ",
  "f3": "\x1bOR",
  "f4": "\x1bOS",
  "f5": "\x1b[15~",
  "f6": "\x1b[17~",
  "f7": "\x1b[18~",
  "f8": "\x1b[19~",
  "f9": "\x1b[20~",
  "f10": "\x1b[21~",
  "f11": "\x1b[23~",
  "f12": "\x1b[24~",
  "ctrl-\\": "\x1c",
  "ctrl-]": "\x1d",
  "ctrl-[": "\x1b",
  "ctrl-@": "\x00",
};

function normalize(name: string): string {
  return name.trim().toLowerCase().replace(/^(c|control)[-+_]/, "ctrl-").replace(/[ _]/g, "-")
    .replace(/^(arrow-)?(up|down|left|right)(-arrow)?$/, "$2").replace(/^(pgup|pageup)$/, "page-up")
    .replace(/^(pgdn|pgdown|pagedown)$/, "page-down").replace(/^(return)$/, "enter");
}

/** Key names accepted by {@linkcode keyBytes}, for messages. */
export const KEY_NAMES =
  "ctrl-a..ctrl-z, ctrl-\\, esc, tab, enter, backspace, delete, up, down, left, right, home, end, page-up, page-down, f1..f12";

/** The bytes for one named key; throws a TypeError naming `argument` for an unknown name. */
export function keyBytes(name: string, argument = "keys"): string {
  const k = normalize(name);
  if (k in FIXED) return FIXED[k];
  const m = /^ctrl-([a-z])$/.exec(k);
  if (m) return String.fromCharCode(m[1].charCodeAt(0) - 96);
  throw new TypeError(`${argument}: unknown key ${JSON.stringify(name)}; known keys: ${KEY_NAMES}`);
}
