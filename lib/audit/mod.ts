/**
 * @module
 * The audit log: an append-only JSONL sink (0600, O_APPEND, rotation-aware, degraded to stderr
 * rather than failing a tool call) with an optional SHA-256 hash chain over the records, plus
 * fail-closed streaming verification and a tail reader that reads only the end of the file.
 * The module never sees secrets or output bodies: callers pass redacted arguments and hashes.
 */
export { canonicalJson } from "./canonical.ts";
export { chainHash, type ChainHead, GENESIS } from "./chain.ts";
export { type AuditEntry, RESERVED_FIELDS } from "./record.ts";
export { newestRotatedSibling, resumeChain, type ResumeResult } from "./resume.ts";
export {
  AuditLog,
  type AuditLogOptions,
  type AuditStatus,
  RETRY_MAX_MS,
  RETRY_MIN_MS,
} from "./sink.ts";
export type { AuditFileHandle, AuditFileOpener } from "./_audit_file.ts";
export { MAX_TAIL_LINES, tailAudit, type TailFilter } from "./tail.ts";
export { verifyAuditFile, type VerifyOptions, type VerifyResult } from "./verify.ts";
