/**
 * Commands on network devices (`shell: cli`): no POSIX shell, no exec channel semantics, no exit
 * status. A pty shell is opened, the prompt (RE2 `prompt_regex`, or the vendor's preset) is
 * awaited, paging is turned off the vendor's way (Cisco `terminal length 0`, Juniper
 * `| no-more`; any `--More--` that still appears is answered with a space), the command is sent,
 * and the output is collected until the prompt returns, without the echoed command and the
 * prompt. The result has `exitCode: null` and a note saying why.
 */
import { RE2JS } from "re2js";
import { BoundedCollector } from "../exec/collector.ts";
import type { ExecResult } from "../exec/run_command.ts";
import { stripAnsi } from "../sessions/ansi.ts";
import { channelClosed, type SshConnection } from "./connection.ts";
import type { DeviceVendor } from "./hosts/inventory_schema.ts";

/** Prompt presets (RE2, matched against the last line of output). */
export const VENDOR_PROMPTS: Readonly<Record<DeviceVendor, string>> = {
  cisco: String.raw`[\w.:/-]+(\([\w.:/-]+\))?[>#]\s?$`,
  juniper: String.raw`([\w.-]+@)?[\w.:/-]+[>#%]\s?$`,
  mikrotik: String.raw`\[[^\]\r\n]+\][^\r\n]*>\s?$`,
  generic: String.raw`[\w.@:/~()\[\]-]+ ?[>#$%]\s?$`,
};

/** Pager prompts answered with a space (Cisco/generic `--More--`, Juniper, MikroTik). */
export const PAGER_PROMPT = String
  .raw`(?i)(-+ ?\(?more[^\r\n]{0,20}\)? ?-+|-- \[Q quit\|D dump\|down\]|press any key to continue[^\r\n]*)\s*$`;

/** Options for {@linkcode cliExec}. */
export interface CliExecOptions {
  /** The command as typed at the device prompt. */
  command: string;
  /** Prompt regex (RE2); default: the vendor preset. */
  promptRegex?: string | null;
  /** Paging preset (default generic). */
  vendor?: DeviceVendor | null;
  /** Wall-clock limit in milliseconds. */
  timeoutMs: number;
  /** Bytes shown (head + tail). */
  maxOutput: number;
  /** Cancellation. */
  signal?: AbortSignal;
}

/** The note every CLI result carries. */
export const CLI_NO_EXIT_CODE = "a CLI device reports no exit code; read the output for errors";

class Screen {
  raw = "";
  #decoder = new TextDecoder();
  #waiters = new Set<() => void>();
  push(chunk: Uint8Array): void {
    this.raw += this.#decoder.decode(chunk, { stream: true });
    for (const w of [...this.#waiters]) w();
  }
  wake(): void {
    for (const w of [...this.#waiters]) w();
  }
  /** Waits until `test(text since from)` holds; false on timeout, abort or close. */
  until(from: number, test: (text: string) => boolean, deadline: number, stop: () => boolean) {
    return new Promise<boolean>((resolve) => {
      const check = () => {
        if (test(stripAnsi(this.raw.slice(from)))) return finish(true);
        if (stop() || Date.now() >= deadline) return finish(false);
      };
      const timer = setTimeout(check, Math.max(0, deadline - Date.now()));
      const finish = (v: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(v);
      };
      this.#waiters.add(check);
      check();
    });
  }
}

function lastLine(text: string): string {
  return text.slice(text.lastIndexOf("\n") + 1);
}

/** Runs one command on a CLI device over an open connection (the caller holds a channel slot). */
export async function cliExec(conn: SshConnection, options: CliExecOptions): Promise<ExecResult> {
  const started = performance.now();
  const deadline = Date.now() + options.timeoutMs;
  const vendor = options.vendor ?? "generic";
  const prompt = RE2JS.compile(options.promptRegex ?? VENDOR_PROMPTS[vendor]);
  const pager = RE2JS.compile(PAGER_PROMPT);
  const atPrompt = (t: string) => prompt.matcher(lastLine(t)).find();
  const ch = await conn.shell({ term: "vt100", cols: 511, rows: 24 });
  const screen = new Screen();
  let closed = false;
  const closedP = channelClosed(ch);
  closedP.then(() => {
    closed = true;
    screen.wake();
  });
  ch.on("data", (d: Uint8Array) => screen.push(d));
  ch.stderr.on("data", (d: Uint8Array) => screen.push(d));
  const stop = () => closed || options.signal?.aborted === true;
  const onAbort = () => screen.wake();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const notes = [CLI_NO_EXIT_CODE];
  let phase = "waiting for the prompt";
  let commandFrom = -1;
  let ok = false;
  try {
    if (!await screen.until(0, atPrompt, deadline, stop)) throw new Error("prompt");
    let command = options.command.trim();
    if (vendor === "cisco") {
      phase = "turning paging off";
      const from = screen.raw.length;
      ch.write("terminal length 0\r");
      if (!await screen.until(from, (t) => t.includes("\n") && atPrompt(t), deadline, stop)) {
        throw new Error("paging");
      }
    } else if (vendor === "juniper" && !/\|\s*no-more\b/.test(command)) {
      command += " | no-more";
    }
    phase = "running the command";
    commandFrom = screen.raw.length;
    ch.write(`${command}\r`);
    let answered = 0;
    let answeredAt = -1;
    ok = await screen.until(
      commandFrom,
      (t) => {
        if (!t.includes("\n")) return false;
        if (atPrompt(t)) return true;
        if (screen.raw.length !== answeredAt && pager.matcher(lastLine(t)).find()) {
          answered++;
          answeredAt = screen.raw.length;
          ch.write(" ");
        }
        return false;
      },
      deadline,
      stop,
    );
    if (answered > 0) notes.push(`answered ${answered} pager prompt(s) with a space`);
  } catch {
    ok = false;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  const deviceClosed = closed;
  if (!ok && !closed) {
    notes.push(`stopped while ${phase}: ${options.signal?.aborted ? "cancelled" : "timed out"}`);
    if (phase === "running the command") ch.write("\x03");
  }
  if (!closed) {
    ch.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([closedP, new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
  }
  let text = "";
  if (commandFrom >= 0) {
    const lines = stripAnsi(screen.raw.slice(commandFrom)).split("\n");
    lines.shift(); // the echoed command
    if (ok) {
      lines.pop(); // the prompt
      text = lines.map((l) => `${l}\n`).join("");
    } else text = lines.join("\n");
  } else if (!ok) {
    text = stripAnsi(screen.raw);
  }
  const out = new BoundedCollector(Math.max(2, options.maxOutput));
  out.push(new TextEncoder().encode(text));
  const r = out.render(options.maxOutput);
  const cancelled = !ok && options.signal?.aborted === true;
  return {
    exitCode: null,
    signal: null,
    timedOut: !ok && !cancelled && !deviceClosed,
    cancelled,
    truncated: r.cutBytes > 0,
    durationMs: Math.round(performance.now() - started),
    stdout: { text: r.text, bytes: out.totalBytes, sha256: out.digest(), cutBytes: r.cutBytes },
    stderr: null,
    pid: 0,
    notes: deviceClosed && !ok ? [...notes, "the device closed the session"] : notes,
  };
}
