/**
 * Streamable HTTP at `/mcp`: 2026-07-28 requests served by the SDK's `createMcpHandler`, 2025-era
 * requests by session-ful transports ({@linkcode LegacySessions}), all behind our own gates — Host and Origin allowlists (DNS-rebinding and cross-site protection, 403) and an
 * authenticator (static bearer token now, OAuth later through the same seam, 401).
 */
import {
  type AuthInfo,
  createMcpHandler,
  isLegacyRequest,
  type McpServerFactory,
} from "@modelcontextprotocol/server";
import { createHash, timingSafeEqual } from "node:crypto";
import type { Logger } from "../log/mod.ts";
import { LegacySessions } from "./legacy_sessions.ts";

/** Decides who is calling; returns the principal, or a Response (401/403) to send instead. */
export interface HttpAuthenticator {
  /** Authenticates one request. */
  authenticate(request: Request): Promise<AuthInfo | Response>;
}

/** Options for {@linkcode createHttpHandler}. */
export interface HttpHandlerOptions {
  /** The server factory. */
  factory: McpServerFactory;
  /** Accepted Host header values, lower case: `host:port` or bare `host` (any port). */
  allowedHosts: readonly string[];
  /** Accepted Origin values, lower case: `scheme://host:port` or bare `host` (any scheme/port). */
  allowedOrigins: readonly string[];
  /** Request authentication; none when undefined (loopback only). */
  authenticator?: HttpAuthenticator;
  /** Diagnostics. */
  logger: Logger;
  /** The MCP endpoint path (default `/mcp`). */
  path?: string;
  /** Most 2025-era sessions at once (default 256). */
  maxSessions?: number;
}

/** The web-standard handler plus teardown. */
export interface HttpHandler {
  /** Serves one request. */
  fetch(request: Request): Promise<Response>;
  /** Aborts in-flight exchanges. */
  close(): Promise<void>;
}

function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: HeadersInit = {},
): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** True for loopback addresses and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The default Host allowlist for a bind address: loopback names with the port, plus extras. */
export function defaultAllowedHosts(
  bindHost: string,
  port: number,
  extra: readonly string[],
): string[] {
  const hosts = new Set<string>();
  const add = (h: string) => hosts.add(`${h.toLowerCase()}:${port}`);
  if (isLoopbackHost(bindHost) || bindHost === "0.0.0.0" || bindHost === "::") {
    for (const h of ["localhost", "127.0.0.1", "[::1]"]) add(h);
  }
  if (bindHost !== "0.0.0.0" && bindHost !== "::") {
    add(bindHost.includes(":") ? `[${bindHost}]` : bindHost);
  }
  for (const e of extra) hosts.add(e.toLowerCase());
  return [...hosts];
}

/** The default Origin allowlist: same-origin http(s) for each allowed host, plus extras. */
export function defaultAllowedOrigins(
  hosts: readonly string[],
  extra: readonly string[],
): string[] {
  const out = new Set<string>();
  for (const h of hosts) {
    if (!h.includes(":") || h.endsWith("]")) continue; // bare host entries are handled by extras
    out.add(`http://${h}`);
    out.add(`https://${h}`);
  }
  for (const e of extra) out.add(e.toLowerCase().replace(/\/+$/, ""));
  return [...out];
}

function hostAllowed(header: string | null, allowed: readonly string[]): boolean {
  if (!header) return false;
  const h = header.trim().toLowerCase();
  if (allowed.includes(h)) return true;
  const bare = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.split(":")[0];
  return allowed.includes(bare);
}

function originAllowed(origin: string | null, allowed: readonly string[]): boolean {
  if (origin === null || origin === "") return true; // non-browser clients send none
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the opaque "null" origin
  }
  const o = `${url.protocol}//${url.host}`.toLowerCase();
  return allowed.includes(o) || allowed.includes(url.hostname.toLowerCase());
}

/** A static bearer token authenticator; compares in constant time. */
export function staticBearerAuthenticator(token: string): HttpAuthenticator {
  if (token.length < 16) throw new RangeError("HTTP token must be at least 16 characters");
  const want = createHash("sha256").update(token).digest();
  const challenge = { "www-authenticate": 'Bearer realm="relay-shell"' };
  return {
    authenticate(request) {
      const header = request.headers.get("authorization") ?? "";
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) {
        return Promise.resolve(
          jsonRpcError(401, -32001, "Unauthorized: bearer token required", challenge),
        );
      }
      const got = createHash("sha256").update(m[1]).digest();
      if (!timingSafeEqual(got, want)) {
        return Promise.resolve(jsonRpcError(401, -32001, "Unauthorized: invalid token", challenge));
      }
      return Promise.resolve({ token: m[1], clientId: "bearer", scopes: [] });
    },
  };
}

/** Builds the HTTP handler; see the module comment. */
export function createHttpHandler(options: HttpHandlerOptions): HttpHandler {
  const path = options.path ?? "/mcp";
  const modern = createMcpHandler(options.factory, {
    legacy: "reject",
    onerror: (err) => options.logger.debug("http exchange error", { error: err.message }),
  });
  const legacy = new LegacySessions({
    factory: options.factory,
    logger: options.logger,
    maxSessions: options.maxSessions,
  });
  return {
    close: async () => {
      await legacy.close();
      await modern.close();
    },
    async fetch(request) {
      const url = new URL(request.url);
      if (!hostAllowed(request.headers.get("host"), options.allowedHosts)) {
        options.logger.warn("http request refused: Host not allowed", {
          host: request.headers.get("host") ?? "",
        });
        return jsonRpcError(403, -32000, "Forbidden: Host header not allowed");
      }
      if (!originAllowed(request.headers.get("origin"), options.allowedOrigins)) {
        options.logger.warn("http request refused: Origin not allowed", {
          origin: request.headers.get("origin") ?? "",
        });
        return jsonRpcError(403, -32000, "Forbidden: Origin not allowed");
      }
      if (url.pathname === "/healthz" && request.method === "GET") {
        return new Response(JSON.stringify({ status: "ok" }), {
          headers: { "content-type": "application/json" },
        });
      }
      if (url.pathname !== path) {
        return jsonRpcError(404, -32601, `Not found: the MCP endpoint is ${path}`);
      }
      let authInfo: AuthInfo | undefined;
      if (options.authenticator) {
        const r = await options.authenticator.authenticate(request);
        if (r instanceof Response) return r;
        authInfo = r;
      }
      try {
        if (await isLegacyRequest(request)) return await legacy.fetch(request, authInfo);
        return await modern.fetch(request, { authInfo });
      } catch (err) {
        options.logger.error("http handler failure", { error: String(err) });
        return jsonRpcError(500, -32603, "Internal error");
      }
    },
  };
}
