/** Tiers of authority: how much a tool call can change, from read-only to irreversible. */

/** Numeric tier values. */
export const Tier = {
  /** Reads state; changes nothing. */
  READ_ONLY: 0,
  /** Changes something that is easily undone. */
  REVERSIBLE: 1,
  /** Changes service, package, permission or repository state. */
  STATEFUL: 2,
  /** Destroys data or availability in a way that cannot be undone. */
  IRREVERSIBLE: 3,
} as const;

/** A tier: 0, 1, 2 or 3. */
export type Tier = typeof Tier[keyof typeof Tier];

/** Upper-case names by tier, as they appear in messages (`READ_ONLY` ... `IRREVERSIBLE`). */
export const TIER_NAMES: Readonly<Record<Tier, string>> = Object.freeze({
  0: "READ_ONLY",
  1: "REVERSIBLE",
  2: "STATEFUL",
  3: "IRREVERSIBLE",
});

/** The higher of two tiers. */
export function maxTier(a: Tier, b: Tier): Tier {
  return (a > b ? a : b) as Tier;
}

/** Formats a tier as `tier N (NAME)`. */
export function describeTier(tier: Tier): string {
  return `tier ${tier} (${TIER_NAMES[tier]})`;
}
