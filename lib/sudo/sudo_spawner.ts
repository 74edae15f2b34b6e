/**
 * A {@linkcode Spawner} that runs the command under `sudo -S` (see sudo_command.ts) and drives
 * sudo's side of the pipes, so `runCommand` and jobs see an ordinary process:
 *
 * - stderr is watched until the start marker's line and none of it is passed on (sudo's prompt,
 *   lecture and messages are not the command's output); after it, stderr flows untouched.
 * - on the first prompt the password is written to stdin (or, with none configured, stdin is
 *   closed so sudo fails at once); a second prompt means the password was wrong: stdin is closed
 *   and sudo gives up instead of waiting on a prompt.
 * - on the start marker the variables block is written, then the caller's stdin (held back
 *   until then) flows, or stdin is closed when the caller gave none.
 *
 * The password goes only into sudo's stdin: never into an argv, an environment, or output.
 */
import type { SpawnedProcess, Spawner } from "../exec/mod.ts";
import { encodeEnvBlock } from "../secrets/mod.ts";
import { classifySudoFailure, SudoError } from "./errors.ts";
import { sudoArgv } from "./sudo_command.ts";
import { type SudoMarkers, sudoMarkers, SudoWatcher } from "./sudo_watch.ts";

/** Options for {@linkcode sudoSpawner}. */
export interface SudoSpawnOptions {
  /** The password for sudo's prompt; null when none is configured. */
  password: string | null;
  /** Variables exported for the command (sudo resets the environment). */
  env: Readonly<Record<string, string>>;
  /** Path of sudo (default: `sudo` through PATH). */
  sudoPath?: string;
  /** Markers (default: fresh random ones). */
  markers?: SudoMarkers;
}

/** The outcome of sudo's part: the command started, or a SudoError. */
export type SudoOutcome = { started: true } | { started: false; error: SudoError };

/** What {@linkcode sudoSpawner} returns. */
export interface SudoSpawn {
  /** The spawner to hand to runCommand (one spawn). */
  spawner: Spawner;
  /** Resolves true once the command started, false when sudo failed. */
  started: Promise<boolean>;
  /** The outcome, once known. */
  outcome: Promise<SudoOutcome>;
}

const enc = new TextEncoder();

/** Wraps `base` to run commands under sudo; see the module comment. */
export function sudoSpawner(base: Spawner, options: SudoSpawnOptions): SudoSpawn {
  const markers = options.markers ?? sudoMarkers();
  let settle!: (o: SudoOutcome) => void;
  const outcome = new Promise<SudoOutcome>((r) => (settle = r));
  const started = outcome.then((o) => o.started);
  const envBlock = encodeEnvBlock({ env: options.env }); // validates the names before anything runs

  const spawner: Spawner = (argv, o) => {
    const child = base(sudoArgv(argv, markers, options.sudoPath), { ...o, stdin: "piped" });
    const raw = child.stdin!.getWriter();
    const closeRaw = () => void raw.close().catch(() => {});
    const watcher = new SudoWatcher(markers);
    let done = false;
    let openGate!: (ok: boolean) => void;
    const gate = new Promise<boolean>((r) => (openGate = r));
    const finish = (o: SudoOutcome) => {
      if (done) return;
      done = true;
      settle(o);
      openGate(o.started);
    };
    const fail = () => {
      const messages = watcher.messages();
      finish({
        started: false,
        error: new SudoError(classifySudoFailure(messages, watcher.prompts), messages),
      });
    };

    const onPrompt = () => {
      if (watcher.prompts > 1 || options.password === null) {
        closeRaw(); // wrong password, or none to give: sudo gives up at once
        return;
      }
      const line = enc.encode(`${options.password}\n`);
      raw.write(line).catch(() => {}).finally(() => line.fill(0));
    };
    const onStarted = () => {
      raw.write(envBlock).catch(() => {});
      if (o.stdin !== "piped") closeRaw();
      finish({ started: true });
    };

    const reader = child.stderr.getReader();
    const stderr = new ReadableStream<Uint8Array>({
      async pull(c) {
        for (;;) {
          let r: ReadableStreamReadResult<Uint8Array>;
          try {
            r = await reader.read();
          } catch {
            r = { done: true, value: undefined };
          }
          if (r.done || !r.value) {
            if (!watcher.started) {
              fail();
              closeRaw();
            }
            c.close();
            return;
          }
          if (watcher.started) {
            c.enqueue(r.value);
            return;
          }
          const step = watcher.feed(r.value);
          for (let i = 0; i < step.prompts; i++) onPrompt();
          if (step.started) {
            onStarted();
            if (step.restAt < r.value.length) {
              c.enqueue(r.value.subarray(step.restAt));
              return;
            }
          }
        }
      },
      cancel: (reason) => {
        if (!watcher.started) fail();
        return reader.cancel(reason);
      },
    });

    const stdin = o.stdin === "piped"
      ? new WritableStream<Uint8Array>({
        async write(chunk) {
          if (!await gate) throw new Error("sudo did not start the command");
          await raw.write(chunk);
        },
        async close() {
          if (await gate) await raw.close().catch(() => {});
        },
        async abort() {
          await raw.abort().catch(() => {});
        },
      })
      : null;
    const proc: SpawnedProcess = {
      pid: child.pid,
      stdin,
      stdout: child.stdout,
      stderr,
      status: child.status,
    };
    return proc;
  };
  return { spawner, started, outcome };
}
