/**
 * @module
 * The one stderr logger. Stdout belongs to JSON-RPC on stdio; every diagnostic line goes to
 * stderr, through redaction, via a bounded asynchronous queue. No `console.*` elsewhere.
 */
export {
  createLogger,
  flushLogs,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  memoryLogger,
  silentLogger,
  writeStderrLine,
} from "./logger.ts";
