/**
 * Test harness: starts the real server the way the README does (`deno task start`) over stdio,
 * or over HTTP, each with its own temporary state directory, and connects a real MCP client
 * (the 2.x `@modelcontextprotocol/client` or the 1.x `@modelcontextprotocol/sdk`).
 */
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as StdioClientTransportV1 } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as HttpTransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** The SDK's stdio transport, subclassed only so the client negotiates on this one process. */
class InPlaceStdioTransport extends StdioClientTransport {}

/** The project root (where deno.json lives). */
export const ROOT: string = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** The minimal client surface tests use, common to both SDK lines. */
export interface TestClient {
  /** Calls a tool. */
  callTool(
    params: { name: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> },
    options?: { signal?: AbortSignal; timeout?: number; onprogress?: (p: unknown) => void },
  ): Promise<CallResult>;
  /** Lists tools. */
  listTools(): Promise<{ tools: { name: string; [k: string]: unknown }[] }>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** A tool result as tests read it. */
export interface CallResult {
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** Which client to connect. */
export type ClientKind = "v2" | "v2-modern" | "v1";

/** A temporary state directory and the environment that points the server at it. */
export interface TestState {
  dir: string;
  auditPath: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** Creates a temporary state dir with an audit path inside. */
export async function makeState(extraEnv: Record<string, string> = {}): Promise<TestState> {
  const dir = await Deno.makeTempDir({ prefix: "relay-shell-test-" });
  const auditPath = `${dir}/audit.jsonl`;
  const env = {
    ...Deno.env.toObject(),
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
    RELAY_SHELL_STATE_DIR: dir,
    RELAY_SHELL_AUDIT_PATH: auditPath,
    ...extraEnv,
  };
  return {
    dir,
    auditPath,
    env,
    cleanup: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}

/** A running stdio server with a connected client. */
export interface StdioServer {
  client: TestClient;
  state: TestState;
  /** The server-side process id (the `deno task` process). */
  pid: number | null;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

function collect(stream: unknown, into: string[]): void {
  // deno-lint-ignore no-explicit-any
  const s = stream as any;
  s?.on?.(
    "data",
    (d: Uint8Array | string) => into.push(typeof d === "string" ? d : new TextDecoder().decode(d)),
  );
}

/** Starts `deno task start` over stdio and connects a client of `kind`. */
export async function startStdio(
  kind: ClientKind = "v2",
  extraEnv: Record<string, string> = {},
): Promise<StdioServer> {
  const state = await makeState(extraEnv);
  const params = {
    command: Deno.execPath(),
    args: ["task", "-q", "start"],
    cwd: ROOT,
    env: state.env,
    stderr: "pipe" as const,
  };
  const errs: string[] = [];
  let client: TestClient;
  let pid: () => number | null;
  let transport: unknown;
  if (kind === "v1") {
    const t = new StdioClientTransportV1(params);
    transport = t;
    collect(t.stderr, errs);
    const c = new ClientV1({ name: "test-v1", version: "1.0.0" });
    await c.connect(t);
    client = v1Client(c);
    pid = () => t.pid;
  } else {
    // A subclass makes the 2.x client probe `server/discover` in place rather than on a
    // throwaway sibling process (whose disposal arms a timer the test sanitizers would flag).
    const t = kind === "v2-modern"
      ? new InPlaceStdioTransport(params)
      : new StdioClientTransport(params);
    transport = t;
    collect(t.stderr, errs);
    const c = new Client(
      { name: "test-v2", version: "2.0.0" },
      kind === "v2-modern" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {},
    );
    await c.connect(t);
    client = c as unknown as TestClient;
    pid = () => t.pid;
  }
  return {
    client,
    state,
    get pid() {
      return pid();
    },
    stderr: () => errs.join(""),
    close: async () => {
      await endStdin(transport);
      await client.close().catch(() => {});
      await state.cleanup();
    },
  };
}

/**
 * Closes the server's stdin the way a client that goes away does, and waits for the server to
 * exit. Doing this before `client.close()` also keeps the SDK's `StdioClientTransport.close()`
 * from arming its unref'd 2 s kill timer (it only does so while the child is still running),
 * which the test sanitizers would report as a leaked timer.
 */
export async function endStdin(transport: unknown): Promise<void> {
  // deno-lint-ignore no-explicit-any
  const proc = (transport as any)?._process;
  if (!proc || proc.exitCode !== null) return;
  const closed = new Promise<void>((resolve) => proc.once("close", () => resolve()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      try {
        proc.kill("SIGKILL");
      } catch { /* gone */ }
      resolve();
    }, 15_000);
  });
  try {
    proc.stdin?.end();
  } catch { /* already closed */ }
  await Promise.race([closed, timeout]);
  clearTimeout(timer);
  await closed;
}

/** A running HTTP server process. */
export interface HttpServer {
  url: string;
  port: number;
  state: TestState;
  process: Deno.ChildProcess;
  stderr(): string;
  /** Connects a client of `kind` (with an optional bearer token). */
  connect(kind?: ClientKind, token?: string): Promise<TestClient>;
  close(): Promise<void>;
}

/** Starts the server with RELAY_SHELL_TRANSPORT=http on a free loopback port. */
export async function startHttp(extraEnv: Record<string, string> = {}): Promise<HttpServer> {
  const state = await makeState({
    RELAY_SHELL_TRANSPORT: "http",
    RELAY_SHELL_HTTP_HOST: "127.0.0.1",
    RELAY_SHELL_HTTP_PORT: "0",
    ...extraEnv,
  });
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=relay-shell", "--no-prompt", "main.ts"],
    cwd: ROOT,
    env: state.env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const errs: string[] = [];
  const reader = process.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let url = "";
  const deadline = Date.now() + 30_000;
  while (!url) {
    if (Date.now() > deadline) throw new Error(`server did not start: ${errs.join("")}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited: ${errs.join("")}`);
    errs.push(value);
    const m = /listening on (http:\/\/\S+\/mcp)/.exec(errs.join(""));
    if (m) url = m[1];
  }
  // Keep draining stderr in the background.
  const drain = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        errs.push(value);
      }
    } catch { /* closed */ }
  })();
  const port = Number(new URL(url).port);
  const clients: TestClient[] = [];
  return {
    url,
    port,
    state,
    process,
    stderr: () => errs.join(""),
    async connect(kind: ClientKind = "v2", token?: string) {
      const requestInit = token ? { headers: { Authorization: `Bearer ${token}` } } : undefined;
      let c: TestClient;
      if (kind === "v1") {
        const cl = new ClientV1({ name: "test-v1", version: "1.0.0" });
        await cl.connect(new HttpTransportV1(new URL(url), { requestInit }));
        c = v1Client(cl);
      } else {
        const cl = new Client(
          { name: "test-v2", version: "2.0.0" },
          kind === "v2-modern" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {},
        );
        await cl.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit }));
        c = cl as unknown as TestClient;
      }
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) await c.close().catch(() => {});
      try {
        process.kill("SIGTERM");
      } catch { /* exited */ }
      await process.status;
      await drain;
      await state.cleanup();
    },
  };
}

/** Adapts the 1.x client, whose callTool takes (params, resultSchema, options). */
function v1Client(c: ClientV1): TestClient {
  return {
    callTool: (params, options) => c.callTool(params, undefined, options) as Promise<CallResult>,
    listTools: () => c.listTools() as Promise<{ tools: { name: string }[] }>,
    close: () => c.close(),
  };
}

/** The text content of a result. */
export function textOf(r: CallResult): string {
  return r.content.map((c) => c.text ?? "").join("");
}

/** Reads the audit file as parsed records. */
export async function readAudit(path: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

/** Polls `fn` until it returns true or `ms` passes. */
export async function waitFor(
  fn: () => boolean | Promise<boolean>,
  ms = 10_000,
  what = "condition",
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Declares an integration test (a plain Deno.test; kept as one place to adjust them all). */
export function integrationTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, fn });
}
