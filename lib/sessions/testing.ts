/**
 * Test doubles for the session layer (production code never imports this file): a backend whose
 * output, exit and failures the test controls.
 */
import type { BackendExit, SessionBackend, SessionKind } from "./backend.ts";

/** A scripted {@linkcode SessionBackend}. */
export class FakeBackend implements SessionBackend {
  /** Transport kind. */
  readonly kind: SessionKind;
  /** Title. */
  readonly title: string;
  /** Interactive. */
  readonly interactive = true;
  /** Output the test pushes with `emit`. */
  readonly output: ReadableStream<Uint8Array>;
  /** Resolves when the test calls `exit` (or on close). */
  readonly exited: Promise<BackendExit>;
  /** Everything written to it. */
  readonly written: Uint8Array[] = [];
  /** Signals delivered. */
  readonly signals: Deno.Signal[] = [];
  /** Close calls (grace ms). */
  readonly closes: number[] = [];
  /** Resize calls. */
  readonly sizes: [number, number][] = [];
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #exit!: (e: BackendExit) => void;
  #done = false;

  /** A running fake. */
  constructor(kind: SessionKind = "local", title = "fake") {
    this.kind = kind;
    this.title = title;
    this.output = new ReadableStream({ start: (c) => void (this.#controller = c) });
    this.exited = new Promise((r) => (this.#exit = r));
  }

  /** Pushes output (a string is UTF-8 encoded). */
  emit(data: string | Uint8Array): void {
    this.#controller.enqueue(typeof data === "string" ? new TextEncoder().encode(data) : data);
  }

  /** Ends output and the program. */
  exit(exitCode: number | null = 0, signal: string | null = null): void {
    if (this.#done) return;
    this.#done = true;
    this.#controller.close();
    this.#exit({ exitCode, signal });
  }

  /** Records input; rejects after exit. */
  write(data: Uint8Array): Promise<void> {
    if (this.#done) return Promise.reject(new Error("fake: closed"));
    this.written.push(data);
    return Promise.resolve();
  }

  /** Records the size. */
  resize(cols: number, rows: number): void {
    this.sizes.push([cols, rows]);
  }

  /** Records the signal; SIGKILL/SIGTERM/SIGHUP/SIGINT end the fake (by that signal). */
  signal(signal: Deno.Signal): boolean {
    if (this.#done) return false;
    this.signals.push(signal);
    if (["SIGKILL", "SIGTERM", "SIGHUP", "SIGINT"].includes(signal)) this.exit(null, signal);
    return true;
  }

  /** Ends the fake. */
  close(graceMs: number): Promise<void> {
    this.closes.push(graceMs);
    this.exit(null, "SIGTERM");
    return Promise.resolve();
  }
}
