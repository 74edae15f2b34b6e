/**
 * Session-ful Streamable HTTP for 2025-era clients (protocol 2025-06-18 / 2025-11-25). Each
 * `initialize` opens an MCP session with its own server instance and an unguessable
 * `Mcp-Session-Id`; later requests carrying that id reach the same instance, so a client's
 * `notifications/cancelled` stops the very call it names and progress notifications stream back
 * on the call's response. (The SDK's stateless fallback builds a fresh instance per POST, where a
 * cancel can never find its call.) Sessions are bound to the authenticated principal, bounded
 * in number, and closed after an idle period or on DELETE.
 */
import {
  type AuthInfo,
  type McpServerFactory,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import type { Logger } from "../log/mod.ts";
import { type Clock, randomToken, systemClock } from "../util/mod.ts";

/** Options for {@linkcode LegacySessions}. */
export interface LegacySessionsOptions {
  /** The server factory (called once per session). */
  factory: McpServerFactory;
  /** Diagnostics. */
  logger: Logger;
  /** Most sessions at once; the least recently used is closed to make room (default 256). */
  maxSessions?: number;
  /** Idle time after which a session is closed (default 1 h). */
  idleMs?: number;
  /** Time source. */
  clock?: Clock;
}

interface Entry {
  transport: WebStandardStreamableHTTPServerTransport;
  close: () => Promise<void>;
  principal: string;
  lastSeen: number;
}

function principalOf(auth: AuthInfo | undefined): string {
  return auth ? `${auth.clientId}` : "";
}

function notFound(): Response {
  return new Response(
    JSON.stringify({
      jsonrpc: "2.0",
      error: { code: -32001, message: "Session not found: initialize a new session" },
      id: null,
    }),
    { status: 404, headers: { "content-type": "application/json" } },
  );
}

/** The 2025-era session table. */
export class LegacySessions {
  #opts: Required<Omit<LegacySessionsOptions, "clock">> & { clock: Clock };
  #sessions = new Map<string, Entry>();
  #sweeper: ReturnType<typeof setInterval> | undefined;

  /** Creates an empty table; a sweep timer (unref'd) closes idle sessions. */
  constructor(options: LegacySessionsOptions) {
    this.#opts = {
      maxSessions: 256,
      idleMs: 3_600_000,
      clock: systemClock,
      ...options,
    };
  }

  /** Open sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Serves one 2025-era request (POST, GET or DELETE). */
  async fetch(request: Request, authInfo: AuthInfo | undefined): Promise<Response> {
    this.#startSweeper();
    const sid = request.headers.get("mcp-session-id");
    const principal = principalOf(authInfo);
    if (sid) {
      const entry = this.#sessions.get(sid);
      // A session belongs to whoever opened it: another principal sees "not found".
      if (!entry || entry.principal !== principal) return notFound();
      entry.lastSeen = this.#opts.clock.now();
      return await entry.transport.handleRequest(request, { authInfo });
    }
    if (request.method !== "POST") {
      return new Response(
        JSON.stringify({
          jsonrpc: "2.0",
          error: { code: -32000, message: "Bad Request: Mcp-Session-Id header is required" },
          id: null,
        }),
        { status: 400, headers: { "content-type": "application/json" } },
      );
    }
    return await this.#open(request, authInfo, principal);
  }

  async #open(
    request: Request,
    authInfo: AuthInfo | undefined,
    principal: string,
  ): Promise<Response> {
    let opened: string | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomToken(24),
      onsessioninitialized: (id) => {
        opened = id;
      },
      onsessionclosed: (id) => {
        this.#drop(id);
      },
    });
    const server = await this.#opts.factory({ era: "legacy", authInfo, requestInfo: request });
    await server.connect(transport);
    const close = async () => {
      await server.close().catch(() => {});
      await transport.close().catch(() => {});
    };
    let response: Response;
    try {
      response = await transport.handleRequest(request, { authInfo });
    } catch (err) {
      await close();
      throw err;
    }
    if (opened) {
      this.#makeRoom();
      this.#sessions.set(opened, { transport, close, principal, lastSeen: this.#opts.clock.now() });
      this.#opts.logger.debug("mcp session opened", { sessions: this.#sessions.size });
    } else {
      // Not an initialize request (the transport answered with an error): nothing to keep.
      await close();
    }
    return response;
  }

  #makeRoom(): void {
    while (this.#sessions.size >= this.#opts.maxSessions) {
      let oldest: [string, Entry] | undefined;
      for (const e of this.#sessions) if (!oldest || e[1].lastSeen < oldest[1].lastSeen) oldest = e;
      if (!oldest) return;
      this.#opts.logger.info("mcp session closed to make room", { limit: this.#opts.maxSessions });
      this.#sessions.delete(oldest[0]);
      oldest[1].close();
    }
  }

  #drop(id: string): void {
    const e = this.#sessions.get(id);
    if (!e) return;
    this.#sessions.delete(id);
    e.close();
  }

  /** Closes sessions idle for longer than the limit; returns how many. */
  sweep(): number {
    const cutoff = this.#opts.clock.now() - this.#opts.idleMs;
    let n = 0;
    for (const [id, e] of [...this.#sessions]) {
      if (e.lastSeen < cutoff) {
        this.#sessions.delete(id);
        e.close();
        n++;
      }
    }
    return n;
  }

  #startSweeper(): void {
    if (this.#sweeper !== undefined) return;
    this.#sweeper = setInterval(() => this.sweep(), Math.min(60_000, this.#opts.idleMs));
    Deno.unrefTimer(this.#sweeper);
  }

  /** Closes every session and stops the sweeper. */
  async close(): Promise<void> {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(all.map((e) => e.close()));
  }
}
