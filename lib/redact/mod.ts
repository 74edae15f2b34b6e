/**
 * @module
 * Secret redaction, pure and synchronous: `redactText` hides every known secret shape (URL
 * credentials, Authorization headers, `password=`-style assignments, CLI flags, private keys,
 * provider tokens, client short flags such as `mysql -p…`) while keeping the surrounding
 * structure; `redactArgs` prepares a JSON-like arguments value for an audit line; `Redactor` adds
 * registered literal values (for example from a .env file). Every pattern is linear-time.
 */
export { REDACTED } from "./placeholder.ts";
export { redactText } from "./redact_text.ts";
export { redactArgs, type RedactArgsOptions } from "./redact_args.ts";
export { Redactor } from "./redactor.ts";
