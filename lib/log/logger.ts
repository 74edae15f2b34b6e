/**
 * The one stderr logger. Stdout belongs to JSON-RPC on stdio, so every diagnostic goes here.
 * Lines pass through a redaction function before they are written, and writes are queued and
 * asynchronous: a client that never drains our stderr can stall the log, never the server.
 */

/** Severity levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** A leveled logger. */
export interface Logger {
  /** Verbose diagnostics. */
  debug(message: string, fields?: LogFields): void;
  /** Normal operational events. */
  info(message: string, fields?: LogFields): void;
  /** Something went wrong but the server carries on. */
  warn(message: string, fields?: LogFields): void;
  /** A failure an operator should look at. */
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: LogFields): Logger;
}

/** Options for {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Lowest level written (default `info`). */
  level?: LogLevel;
  /** Applied to every finished line before it is written (secret redaction). */
  redact?: (line: string) => string;
  /** Where finished lines go (default: queued async writes to stderr). */
  write?: (line: string) => void;
  /** `text` (default) or one JSON object per line. */
  format?: "text" | "json";
  /** Time source for the timestamp. */
  now?: () => number;
}

const MAX_QUEUED = 2000;

/** A queue of lines written to stderr by one async pump; drops the oldest when full. */
class StderrPump {
  #queue: Uint8Array[] = [];
  #running = false;
  #dropped = 0;
  #enc = new TextEncoder();

  push(line: string): void {
    if (this.#queue.length >= MAX_QUEUED) {
      this.#queue.shift();
      this.#dropped++;
    }
    this.#queue.push(this.#enc.encode(line + "\n"));
    if (!this.#running) this.#pump();
  }

  async #pump(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        if (this.#dropped > 0) {
          const note = this.#enc.encode(
            `log: ${this.#dropped} lines dropped (stderr not drained)\n`,
          );
          this.#dropped = 0;
          await writeAll(note);
        }
        const chunk = this.#queue.shift()!;
        await writeAll(chunk);
      }
    } catch {
      // stderr is gone (closed pipe): nothing useful left to do with log lines.
      this.#queue.length = 0;
    } finally {
      this.#running = false;
    }
  }

  /** Writes whatever is queued synchronously; used on exit. */
  flushSync(): void {
    try {
      for (const chunk of this.#queue.splice(0)) {
        let off = 0;
        while (off < chunk.length) off += Deno.stderr.writeSync(chunk.subarray(off));
      }
    } catch {
      // ignore: best effort on the way out
    }
  }
}

async function writeAll(chunk: Uint8Array): Promise<void> {
  let off = 0;
  while (off < chunk.length) off += await Deno.stderr.write(chunk.subarray(off));
}

const pump = new StderrPump();

/** Queues one raw line for stderr through the same pump (no level, no formatting). */
export function writeStderrLine(line: string): void {
  pump.push(line);
}

/** Writes any queued stderr log lines synchronously (call right before exiting). */
export function flushLogs(): void {
  pump.flushSync();
}

function formatValue(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) || v === "" ? JSON.stringify(v) : v;
  if (v instanceof Error) return JSON.stringify(`${v.name}: ${v.message}`);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Creates a logger; see {@linkcode LoggerOptions}. */
export function createLogger(options: LoggerOptions = {}, bindings: LogFields = {}): Logger {
  const min = LEVELS[options.level ?? "info"];
  const redact = options.redact ?? ((s: string) => s);
  const write = options.write ?? ((line: string) => pump.push(line));
  const now = options.now ?? Date.now;
  const format = options.format ?? "text";

  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS[level] < min) return;
    const all = { ...bindings, ...fields };
    const ts = new Date(now()).toISOString();
    let line: string;
    if (format === "json") {
      const obj: Record<string, unknown> = { ts, level, msg: message };
      for (const [k, v] of Object.entries(all)) {
        obj[k] = v instanceof Error ? `${v.name}: ${v.message}` : v;
      }
      try {
        line = JSON.stringify(obj);
      } catch {
        line = JSON.stringify({ ts, level, msg: message });
      }
    } else {
      const parts = [ts, level.toUpperCase().padEnd(5), message];
      for (const [k, v] of Object.entries(all)) parts.push(`${k}=${formatValue(v)}`);
      line = parts.join(" ");
    }
    try {
      write(redact(line));
    } catch {
      // A logger never throws into its caller.
    }
  };

  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (b) => createLogger(options, { ...bindings, ...b }),
  };
}

/** A logger that discards everything. */
export const silentLogger: Logger = createLogger({ write: () => {} });

/** A logger that records lines in memory; for tests. */
export function memoryLogger(options: Omit<LoggerOptions, "write"> = {}): Logger & {
  lines: string[];
} {
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", ...options, write: (l) => lines.push(l) });
  return Object.assign(logger, { lines });
}
