/** The pattern half of redaction: every known secret shape, applied in a fixed order. */
import {
  redactAuthorizationHeaders,
  redactAzureKeys,
  redactBearerTokens,
  redactKeywordAssignments,
  redactUrlCredentials,
} from "./_assignment_rules.ts";
import { redactClientPasswords } from "./_client_rule.ts";
import { redactCliFlags, redactSecureStringOperands } from "./_flag_rules.ts";
import { redactPrivateKeys, redactProviderTokens } from "./_token_rules.ts";

// Order matters: URL credentials first, then the rules that keep a key and hide its value, then
// whole tokens, then client-specific short flags. Every rule is linear in the text length.
const RULES: readonly ((text: string) => string)[] = [
  redactUrlCredentials,
  redactAuthorizationHeaders,
  redactBearerTokens,
  redactKeywordAssignments,
  redactAzureKeys,
  redactCliFlags,
  redactSecureStringOperands,
  redactPrivateKeys,
  redactProviderTokens,
  redactClientPasswords,
];

/** Applies every secret pattern (no registered values). Pure, never throws, idempotent. */
export function redactText(text: string): string {
  if (typeof text !== "string" || text.length === 0) return text;
  let out = text;
  for (const rule of RULES) out = rule(out);
  return out;
}
