/**
 * What the policy sees of a file-tool call: its tier from the operation and the paths, and the
 * subjects deny/allow rules match (an operation phrase, the paths, the host's spellings).
 */
import { isSystemPath, maxTier, Tier, writeTargetHit } from "../lib/policy/mod.ts";
import { normalizePath } from "../lib/files/mod.ts";

/** A file operation as far as its tier is concerned. */
export interface FileOpFacts {
  /** The operation. */
  op: "read" | "list" | "write" | "append" | "mkdir" | "move" | "delete" | "chmod";
  /** The paths it touches (`path`, then `to`); only absolute ones are judged by location. */
  paths: readonly string[];
  /** Replaces an existing file (write, move). */
  overwrite?: boolean;
  /** Deletes a whole tree. */
  recursive?: boolean;
}

/**
 * The tier: reads, listings and stat 0; write, append, mkdir, chmod and move 1 (2 when they may
 * replace an existing file or touch a system path, 3 for a block device); delete 2; recursive
 * delete or deleting a system path 3.
 */
export function fileOpTier(f: FileOpFacts): Tier {
  const abs = f.paths.filter((p) => p.startsWith("/")).map(normalizePath);
  const system = abs.some(isSystemPath);
  const writeHit = abs.reduce<Tier>(
    (t, p) => maxTier(t, writeTargetHit(p)?.[0] ?? Tier.READ_ONLY),
    Tier.READ_ONLY,
  );
  switch (f.op) {
    case "read":
    case "list":
      return Tier.READ_ONLY;
    case "delete":
      return f.recursive || system ? Tier.IRREVERSIBLE : Tier.STATEFUL;
    case "chmod":
      return system ? Tier.STATEFUL : Tier.REVERSIBLE;
    case "move":
      return f.overwrite || system ? maxTier(Tier.STATEFUL, writeHit) : Tier.REVERSIBLE;
    case "write":
      return maxTier(f.overwrite ? Tier.STATEFUL : Tier.REVERSIBLE, writeHit);
    default: // append, mkdir
      return maxTier(Tier.REVERSIBLE, writeHit);
  }
}

/**
 * Deny/allow subjects: `"<op>[ -r] <path> [<to>]"`, then each path alone (as judged, then as
 * given when that differs), then the host subjects.
 */
export function fileSubjects(
  f: FileOpFacts,
  given: readonly string[],
  hosts: readonly string[],
): string[] {
  const flags = f.recursive ? " -r" : "";
  return [`${f.op}${flags} ${f.paths.join(" ")}`, ...new Set([...f.paths, ...given]), ...hosts];
}
