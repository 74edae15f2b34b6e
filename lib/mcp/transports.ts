/**
 * Serving entries: stdio (the default) and Streamable HTTP on `Deno.serve`. Both take the one
 * server factory; both report when the connection or listener ends so the caller can shut down.
 */
import type { McpServerFactory } from "@modelcontextprotocol/server";
import { serveStdio, StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import type { Logger } from "../log/mod.ts";
import type { HttpHandler } from "./http_handler.ts";

/** A running stdio connection. */
export interface StdioServing {
  /** Resolves when the client closed stdin (or `close()` was called). */
  readonly closed: Promise<void>;
  /** Tears the connection down. */
  close(): Promise<void>;
}

/** Serves MCP over this process's stdin/stdout. */
export function serveStdioTransport(factory: McpServerFactory, logger: Logger): StdioServing {
  const wire = new StdioServerTransport();
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const handle = serveStdio(factory, {
    transport: wire,
    onerror: (err) => logger.debug("stdio error", { error: err.message }),
  });
  // serveStdio installed its own onclose synchronously; chain ours after it.
  const inner = wire.onclose;
  wire.onclose = () => {
    inner?.();
    resolveClosed();
  };
  return {
    closed,
    close: async () => {
      await handle.close();
      resolveClosed();
    },
  };
}

/** Options for {@linkcode serveHttpTransport}. */
export interface HttpServeOptions {
  /** Bind address. */
  hostname: string;
  /** Bind port (0 = any free port). */
  port: number;
  /** Stops the listener when aborted. */
  signal: AbortSignal;
  /** Diagnostics. */
  logger: Logger;
}

/** A running HTTP listener. */
export interface HttpServing {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  /** Resolves when the listener has stopped. */
  readonly finished: Promise<void>;
}

/** Serves the handler with `Deno.serve`. */
export function serveHttpTransport(handler: HttpHandler, options: HttpServeOptions): HttpServing {
  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    signal: options.signal,
    onListen: () => {},
    onError: (err) => {
      options.logger.error("http serve error", { error: String(err) });
      return new Response("Internal error", { status: 500 });
    },
  }, (req) => handler.fetch(req));
  return { addr: server.addr as Deno.NetAddr, finished: server.finished };
}
