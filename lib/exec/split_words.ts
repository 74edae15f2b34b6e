/**
 * Shell-style word splitting for `use_shell: false`: whitespace separates words; single quotes
 * are literal; double quotes allow `\"`, `\\`, `\$`, `` \` `` and line continuation; a backslash
 * outside quotes escapes the next character. No expansion of any kind happens.
 */

/** Splits `command` into argv words; throws a TypeError naming `argument` on an open quote. */
export function splitWords(command: string, argument = "command"): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let i = 0;
  const n = command.length;
  while (i < n) {
    const c = command[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) {
        words.push(cur);
        cur = "";
        inWord = false;
      }
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) {
        throw new TypeError(`${argument}: unterminated single quote at offset ${i}`);
      }
      cur += command.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const d = command[i];
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === "\\" && i + 1 < n && '"\\$`\n'.includes(command[i + 1])) {
          if (command[i + 1] !== "\n") cur += command[i + 1];
          i += 2;
          continue;
        }
        cur += d;
        i++;
      }
      if (!closed) throw new TypeError(`${argument}: unterminated double quote`);
    } else if (c === "\\") {
      if (i + 1 < n) {
        if (command[i + 1] !== "\n") cur += command[i + 1];
        else if (cur === "") inWord = false;
        i += 2;
      } else {
        cur += "\\";
        i++;
      }
    } else {
      cur += c;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
