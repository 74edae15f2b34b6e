/**
 * @module
 * The command line of `relay-shell`: subcommands (serve, check-config, audit verify|tail),
 * flags, usage text and usage errors.
 */
export { type Command, parseCommandLine, USAGE, UsageError } from "./args.ts";
