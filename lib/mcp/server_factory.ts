/**
 * The one server factory behind both transports. stdio calls it once per connection, HTTP once
 * per request, so everything expensive (the tool listing with its JSON Schemas) is computed once
 * up front and the factory only wires handlers. `tools/list` and `tools/call` are served from the
 * runner's own registry so that argument validation, policy and audit happen in one place.
 */
import {
  McpServer,
  type McpServerFactory,
  ProtocolError,
  ProtocolErrorCode,
} from "@modelcontextprotocol/server";
import type { Logger } from "../log/mod.ts";
import type { Runner } from "../runner/mod.ts";
import { UnknownToolError } from "../runner/mod.ts";
import type { AnyTool } from "../runner/tool.ts";
import { inputJsonSchema, outputJsonSchema } from "./json_schema.ts";

/** A tool as listed by `tools/list`. */
export interface ListedTool {
  /** Tool name. */
  name: string;
  /** Human title. */
  title: string;
  /** Short description. */
  description: string;
  /** JSON Schema of the arguments. */
  inputSchema: JsonObjectSchema;
  /** JSON Schema of `structuredContent`. */
  outputSchema: JsonObjectSchema;
  /** MCP annotations derived from the tier and hints. */
  annotations: Record<string, boolean>;
}

/** A JSON Schema whose root is an object. */
export type JsonObjectSchema = { type: "object"; [key: string]: unknown };

/** Registers extra MCP surface (resources, prompts) on each server instance. */
export type SurfaceRegistrar = (server: McpServer) => void;

/** Options for {@linkcode createServerFactory}. */
export interface ServerFactoryOptions {
  /** The central runner. */
  runner: Runner;
  /** Server version. */
  version: string;
  /** The `instructions` text sent at initialize. */
  instructions: string;
  /** Resources and prompts. */
  surfaces?: readonly SurfaceRegistrar[];
  /** Diagnostics. */
  logger: Logger;
}

/**
 * MCP annotations for a tool, following its tier. Only hints that differ from the spec's defaults
 * (readOnly false, destructive true, idempotent false, openWorld true) are listed: context is the
 * model's scarcest resource and `tools/list` must stay small.
 */
export function annotationsFor(tool: AnyTool): Record<string, boolean> {
  const readOnly = tool.readOnly === true || tool.tier === 0;
  const a: Record<string, boolean> = {};
  if (readOnly) a.readOnlyHint = true;
  else {
    if (!(tool.hints?.destructive ?? tool.tier >= 2)) a.destructiveHint = false;
    if (tool.hints?.idempotent) a.idempotentHint = true;
  }
  if (!(tool.hints?.openWorld ?? false)) a.openWorldHint = false;
  return a;
}

/** Builds the `tools/list` entries once. */
export function listTools(tools: readonly AnyTool[]): ListedTool[] {
  return tools.map((t) => ({
    name: t.name,
    title: t.title,
    description: t.description,
    inputSchema: inputJsonSchema(t.input) as JsonObjectSchema,
    outputSchema: outputJsonSchema(t.output) as JsonObjectSchema,
    annotations: annotationsFor(t),
  }));
}

function clientIdOf(server: McpServer, ctx: unknown): string {
  // deno-lint-ignore no-explicit-any
  const c = ctx as any;
  const auth = c?.http?.authInfo;
  const info = c?.mcpReq?.envelope?.["io.modelcontextprotocol/clientInfo"] ??
    server.server.getClientVersion?.();
  const name = info?.name ? `${info.name}${info.version ? `/${info.version}` : ""}` : "";
  if (auth?.clientId) return name ? `${auth.clientId} (${name})` : String(auth.clientId);
  return name;
}

/** Creates the factory both transports serve. */
export function createServerFactory(options: ServerFactoryOptions): McpServerFactory {
  const listed = listTools(options.runner.tools);
  const outputSchemas = new Map(listed.map((t) => [t.name, t.outputSchema]));
  const listResult = { tools: listed };
  return () => {
    const server = new McpServer(
      { name: "relay-shell", title: "relay-shell", version: options.version },
      {
        capabilities: { resources: {}, prompts: {} },
        instructions: options.instructions,
      },
    );
    for (const register of options.surfaces ?? []) register(server);
    const low = server.server;
    low.registerCapabilities({ tools: { listChanged: false } });
    low.setRequestHandler("tools/list", () => listResult);
    low.setRequestHandler("tools/call", async (request, ctx) => {
      const name = request.params.name;
      try {
        const meta = request.params._meta as Record<string, unknown> | undefined;
        const result = await options.runner.call(name, request.params.arguments, {
          requestId: String(ctx.mcpReq.id),
          clientId: clientIdOf(server, ctx),
          signal: ctx.mcpReq.signal,
          progressToken: meta?.progressToken as string | number | undefined,
          notify: (n) => ctx.mcpReq.notify(n as Parameters<typeof ctx.mcpReq.notify>[0]),
        });
        return low.projectCallToolResult(result, outputSchemas.get(name));
      } catch (err) {
        if (err instanceof UnknownToolError) {
          throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${name} not found`);
        }
        // The runner never throws otherwise; if it does, answer with an error result, not a crash.
        options.logger.error("runner failure", { tool: name, error: String(err) });
        return {
          content: [{ type: "text", text: `Internal error while running ${name}` }],
          isError: true,
        };
      }
    });
    return server;
  };
}
