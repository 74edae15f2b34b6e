/** The text every redacted secret is replaced with. */
export const REDACTED = "[REDACTED]";
