/**
 * @module
 * Tiered authority, pure (no I/O): a shell-aware command classifier built on tree-sitter-bash,
 * the admission policy (modes `open`, `guarded`, `readonly` with RE2 deny/allow patterns and
 * canonical host spellings), and the single-use Tier-3 confirmation broker.
 */
export {
  type Classification,
  CommandClassifier,
  MAX_CLASSIFIED_LENGTH,
  MAX_NESTING,
} from "./classifier.ts";
export {
  type ConfirmableOperation,
  ConfirmationBroker,
  type ConfirmationBrokerOptions,
} from "./confirm.ts";
export { formatIPv6, hostPolicyForms, parseIPv4Loose, parseIPv6 } from "./host_forms.ts";
export { compilePolicyPattern, type PolicyPattern, PolicyPatternError } from "./patterns.ts";
export {
  Policy,
  POLICY_MODES,
  type PolicyDecision,
  type PolicyMode,
  type PolicyOptions,
  type PolicyRequest,
  PROBE_MATCH_LIMIT,
  PROBE_PREVIEW_LENGTH,
} from "./policy.ts";
export { isSystemPath, writeTargetHit } from "./_targets.ts";
export { describeTier, maxTier, Tier, TIER_NAMES } from "./tier.ts";
