/**
 * The process-creation seam. The real spawner is the only `Deno.Command` user in the project
 * (besides the `ps` fallback of the process table): every child leads a new session and process
 * group (pgid = sid = pid), so a signal to `-pid` reaches its whole tree.
 *
 * The new session comes from util-linux `setsid` put in front of the program, not from Deno's
 * `detached: true`: `detached` makes Deno fork (copying the page tables of a process that maps
 * gigabytes for V8 and WASM: 2.2 ms per spawn measured) where a plain spawn uses posix_spawn
 * (0.6 ms); `setsid`, not being a group leader, calls setsid(2) and execs the program in place
 * (1.1 ms). Without `setsid` on PATH the spawner falls back to `detached: true`.
 */

/** Options for one spawn. */
export interface SpawnOptions {
  /** Working directory. */
  cwd?: string;
  /** The complete environment (nothing is inherited implicitly). */
  env: Record<string, string>;
  /** `null` = /dev/null; `piped` = a stream the caller writes. */
  stdin: "null" | "piped";
  /** `piped` (default) or `null` (e.g. a PTY child whose stdio is the terminal). */
  stdout?: "piped" | "null";
  /** `piped` (default) or `null`. */
  stderr?: "piped" | "null";
  /**
   * New session and process group (default true). A PTY child sets this false because it makes
   * its own session with `setsid -c` (which would otherwise fork away from the tracked pid).
   */
  detached?: boolean;
}

/** A spawned child as the runner needs it. */
export interface SpawnedProcess {
  /** Process id; also the process-group and session id. */
  readonly pid: number;
  /** Writable stdin when piped, else null. */
  readonly stdin: WritableStream<Uint8Array> | null;
  /** The child's stdout (an empty stream when not piped). */
  readonly stdout: ReadableStream<Uint8Array>;
  /** The child's stderr (an empty stream when not piped). */
  readonly stderr: ReadableStream<Uint8Array>;
  /** Resolves when the process exits. */
  readonly status: Promise<Deno.CommandStatus>;
}

/** Creates a process from an argv (argv[0] is a path or a PATH-resolvable name). */
export type Spawner = (argv: string[], options: SpawnOptions) => SpawnedProcess;

let setsidPath: string | null | undefined;

/** util-linux `setsid`, if installed (looked up once). */
function findSetsid(): string | null {
  if (setsidPath !== undefined) return setsidPath;
  setsidPath = null;
  for (const p of ["/usr/bin/setsid", "/bin/setsid"]) {
    try {
      if (Deno.statSync(p).isFile) {
        setsidPath = p;
        break;
      }
    } catch {
      // not here
    }
  }
  return setsidPath;
}

/** The real spawner, backed by `Deno.Command`. */
export const spawnDeno: Spawner = (argv, options) => {
  const newSession = options.detached ?? true;
  const setsid = newSession ? findSetsid() : null;
  const program = setsid ?? argv[0];
  const args = setsid ? argv : argv.slice(1);
  const child = new Deno.Command(program, {
    args,
    cwd: options.cwd,
    env: options.env,
    clearEnv: true,
    stdin: options.stdin,
    stdout: options.stdout ?? "piped",
    stderr: options.stderr ?? "piped",
    detached: newSession && !setsid,
  }).spawn();
  const empty = () => new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  return {
    pid: child.pid,
    stdin: options.stdin === "piped" ? child.stdin : null,
    stdout: (options.stdout ?? "piped") === "piped" ? child.stdout : empty(),
    stderr: (options.stderr ?? "piped") === "piped" ? child.stderr : empty(),
    status: child.status,
  };
};
