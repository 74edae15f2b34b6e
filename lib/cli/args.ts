/** Command-line parsing for `relay-shell`: a subcommand plus flags, with errors that say the fix. */
import { parseArgs } from "node:util";

/** A parsed command line. */
export type Command =
  | { kind: "serve"; config?: string }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "check-config"; config?: string; json: boolean }
  | { kind: "audit-verify"; path?: string; config?: string; json: boolean; segment: boolean }
  | {
    kind: "audit-tail";
    path?: string;
    config?: string;
    json: boolean;
    lines: number;
    tool?: string;
    tier?: number;
    denied?: boolean;
  };

/** A command-line mistake; the message says what to type instead. */
export class UsageError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The `--help` text. */
export const USAGE = `relay-shell — an audited, policy-governed shell and SSH MCP server

Usage:
  relay-shell [serve] [--config FILE]        serve MCP (stdio by default; RELAY_SHELL_TRANSPORT=http)
  relay-shell check-config [--config FILE] [--json]
                                             validate configuration and the audit sink; exit 0 or 2
  relay-shell audit verify [--path FILE] [--segment] [--json]
                                             verify the audit hash chain; exit 0 intact, 2 broken
  relay-shell audit tail [--path FILE] [--lines N] [--tool NAME] [--tier N] [--denied true|false] [--json]
  relay-shell --version | --help

Configuration comes from RELAY_SHELL_* environment variables and an optional YAML/JSON file
(--config or RELAY_SHELL_CONFIG); the environment wins. See README.md for every variable.`;

function int(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(
      `--${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`,
    );
  }
  return n;
}

/** Parses `argv` (without the program name). */
export function parseCommandLine(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
        config: { type: "string", short: "c" },
        json: { type: "boolean" },
        path: { type: "string" },
        segment: { type: "boolean" },
        lines: { type: "string", short: "n" },
        tool: { type: "string" },
        tier: { type: "string" },
        denied: { type: "string" },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}; see relay-shell --help`);
  }
  const { values: v, positionals: p } = parsed;
  if (v.help) return { kind: "help" };
  if (v.version) return { kind: "version" };
  const json = v.json ?? false;
  const [cmd, sub, ...rest] = p;
  const noMore = (extra: string[]) => {
    if (extra.length) {
      throw new UsageError(
        `unexpected argument ${JSON.stringify(extra[0])}; see relay-shell --help`,
      );
    }
  };
  switch (cmd) {
    case undefined:
    case "serve":
      noMore(p.slice(1));
      return { kind: "serve", config: v.config };
    case "help":
      return { kind: "help" };
    case "version":
      return { kind: "version" };
    case "check-config":
      noMore(p.slice(1));
      return { kind: "check-config", config: v.config, json };
    case "audit":
      noMore(rest);
      if (sub === "verify") {
        return {
          kind: "audit-verify",
          path: v.path,
          config: v.config,
          json,
          segment: v.segment ?? false,
        };
      }
      if (sub === "tail") {
        let denied: boolean | undefined;
        if (v.denied !== undefined) {
          if (v.denied !== "true" && v.denied !== "false") {
            throw new UsageError(
              `--denied must be true or false (got ${JSON.stringify(v.denied)})`,
            );
          }
          denied = v.denied === "true";
        }
        return {
          kind: "audit-tail",
          path: v.path,
          config: v.config,
          json,
          lines: int(v.lines, "lines", 1, 1000) ?? 50,
          tool: v.tool,
          tier: int(v.tier, "tier", 0, 3),
          denied,
        };
      }
      throw new UsageError(
        `audit needs a subcommand: verify or tail (got ${JSON.stringify(sub ?? "")})`,
      );
    default:
      throw new UsageError(`unknown command ${JSON.stringify(cmd)}; see relay-shell --help`);
  }
}
