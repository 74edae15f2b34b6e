/** Shared helpers for the audit tests: temp dirs, sample entries, reading lines back. */
import type { AuditEntry } from "../../lib/audit/mod.ts";

/** Runs `fn` with a fresh temp dir that is removed afterwards. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "relay-audit-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A plausible audit entry; `overrides` replace fields. */
export function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    tool: "shell_exec",
    tier: 1,
    denied: false,
    args: { command: "df -h", timeout: 60 },
    output_sha256: "a".repeat(64),
    output_len: 412,
    exit_code: 0,
    duration_ms: 12,
    request_id: "3",
    ...overrides,
  };
}

/** The file's complete lines (no trailing empty string). */
export async function readLines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** The file's lines parsed as JSON. */
export async function readRecords(path: string): Promise<Record<string, unknown>[]> {
  return (await readLines(path)).map((l) => JSON.parse(l));
}

/** Writes lines back (each with a newline). */
export async function writeLines(path: string, lines: string[]): Promise<void> {
  await Deno.writeTextFile(path, lines.map((l) => l + "\n").join(""));
}
