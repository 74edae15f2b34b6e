/**
 * @module
 * The MCP glue: one server factory that serves `tools/list` and `tools/call` from the runner
 * (plus resources and prompts), compact JSON Schemas for the listing, the instructions text, the
 * HTTP handler with Host/Origin/token gates, and the stdio and HTTP serving entries.
 */
export {
  createHttpHandler,
  defaultAllowedHosts,
  defaultAllowedOrigins,
  type HttpAuthenticator,
  type HttpHandler,
  type HttpHandlerOptions,
  isLoopbackHost,
  staticBearerAuthenticator,
} from "./http_handler.ts";
export { buildInstructions } from "./instructions.ts";
export { DETAIL, detail, inputJsonSchema, outputJsonSchema } from "./json_schema.ts";
export {
  annotationsFor,
  createServerFactory,
  type ListedTool,
  listTools,
  type ServerFactoryOptions,
  type SurfaceRegistrar,
} from "./server_factory.ts";
export {
  type HttpServeOptions,
  type HttpServing,
  serveHttpTransport,
  serveStdioTransport,
  type StdioServing,
} from "./transports.ts";
