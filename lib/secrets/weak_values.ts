/**
 * Values too weak to redact: redaction replaces every occurrence of a registered value in every
 * output, so a short value or an everyday word (`localhost`, `true`) would hide ordinary text and
 * make output unreadable. Such values are refused with a reason instead.
 */

/** Shortest value registered for redaction. */
export const MIN_SECRET_LENGTH = 6;

/** Everyday words and placeholders that appear in ordinary output (compared case-insensitively). */
export const COMMON_VALUES: ReadonlySet<string> = new Set([
  "localhost",
  "127.0.0.1",
  "0.0.0.0",
  "true",
  "false",
  "admin",
  "administrator",
  "root",
  "password",
  "passwd",
  "changeme",
  "default",
  "example",
  "test",
  "testing",
  "secret",
  "null",
  "none",
  "undefined",
  "enabled",
  "disabled",
  "development",
  "production",
  "staging",
  "public",
  "private",
  "guest",
  "username",
  "welcome",
  "letmein",
  "qwerty",
  "123456",
  "1234567",
  "12345678",
  "123456789",
  "postgres",
  "mysql",
  "ubuntu",
  "debian",
  "docker",
  "latest",
  "master",
  "primary",
  "database",
  "service",
  "server",
  "client",
  "backend",
  "frontend",
  "storage",
  "system",
  "unknown",
]);

/** Why `value` must not be registered for redaction, or null when it may be. */
export function weakValueReason(value: string): string | null {
  const v = value.trim();
  if (v === "") return "empty value";
  if (value.includes("\0")) return "contains a NUL byte";
  if (v.length < MIN_SECRET_LENGTH) {
    return `shorter than ${MIN_SECRET_LENGTH} characters; redacting it would hide ordinary output`;
  }
  if (COMMON_VALUES.has(v.toLowerCase())) {
    return "a common word; redacting it would hide ordinary output";
  }
  return null;
}
