/**
 * A network-device CLI for the fake SSH server's shell channels: a configurable prompt, canned
 * command output, `--More--` paging until a no-paging command (Cisco, Juniper and MikroTik
 * spellings), `% Invalid input` for anything else.
 */
import type { Buffer } from "node:buffer";
import type { ShellHook } from "./fake_ssh_server.ts";

/** Options for {@linkcode deviceCli}. */
export interface DeviceCliOptions {
  /** The prompt, e.g. `switch01#` or `[admin@MikroTik] > `. */
  prompt: string;
  /** Command -> output (lines separated by \n). */
  commands: Record<string, string>;
  /** Lines per page before the pager stops (default 4; 0 = no paging). */
  pageLines?: number;
  /** The pager text (default ` --More-- `). */
  more?: string;
  /** Commands that turn paging off (default Cisco, Juniper and MikroTik spellings). */
  noPaging?: string[];
  /** Text sent once before the first prompt. */
  banner?: string;
}

/**
 * A network-device CLI for shell channels: echoes keystrokes, runs `commands`, pages long output
 * with a `--More--` prompt (space: next page, Enter: one line, q: stop) until a no-paging
 * command, prints `% Invalid input` for anything else, `exit`/`quit` closes.
 */
export function deviceCli(options: DeviceCliOptions): ShellHook {
  const more = options.more ?? " --More-- ";
  const noPaging = options.noPaging ??
    ["terminal length 0", "set cli screen-length 0", "/system console set paging=no"];
  return (ch) => {
    let pageLines = options.pageLines ?? 4;
    let line = "";
    let pending: string[] = [];
    let paging = false;
    if (options.banner) ch.write(options.banner.replaceAll("\n", "\r\n"));
    ch.write(options.prompt);
    const emit = (count: number) => {
      const chunk = pending.splice(0, count);
      for (const l of chunk) ch.write(`${l}\r\n`);
      if (pending.length > 0) {
        paging = true;
        ch.write(more);
      } else {
        paging = false;
        ch.write(options.prompt);
      }
    };
    const erase = () => ch.write(`\r${" ".repeat(more.length)}\r`);
    const run = (cmd: string) => {
      const c = cmd.trim();
      if (c === "") return ch.write(options.prompt);
      if (c === "exit" || c === "quit") {
        ch.write("Connection closed.\r\n");
        ch.exit(0);
        ch.end();
        return;
      }
      if (noPaging.includes(c)) {
        pageLines = 0;
        return ch.write(options.prompt);
      }
      const out = options.commands[c];
      if (out === undefined) {
        ch.write(`% Invalid input detected at '^' marker.\r\n${options.prompt}`);
        return;
      }
      pending = out.replace(/\n$/, "").split("\n");
      emit(pageLines > 0 ? pageLines : pending.length);
    };
    ch.on("data", (chunk: Buffer) => {
      for (const c of chunk.toString("utf8")) {
        if (paging) {
          erase();
          if (c === "q" || c === "Q" || c === "\x03") {
            pending = [];
            paging = false;
            ch.write(options.prompt);
          } else emit(c === " " ? pageLines : 1);
          continue;
        }
        if (c === "\r" || c === "\n") {
          ch.write("\r\n");
          const cmd = line;
          line = "";
          run(cmd);
        } else if (c === "\x7f" || c === "\b") {
          if (line.length > 0) {
            line = line.slice(0, -1);
            ch.write("\b \b");
          }
        } else if (c === "\x03") {
          line = "";
          ch.write(`^C\r\n${options.prompt}`);
        } else {
          line += c;
          ch.write(c);
        }
      }
    });
  };
}
