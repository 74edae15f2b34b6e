/**
 * Admission: the tier of a call (the tool's own tier raised by its shell text), then the deny rule,
 * the mode and the allow rule decide whether it may run.
 *
 * Order: DENY first in every mode (even Tier-0 tools); `readonly` refuses any tier but 0; `guarded`
 * refuses tier 2 and 3 unless ALLOW matches; `open` allows everything the deny rule lets through.
 */
import type { CommandClassifier } from "./classifier.ts";
import type { PolicyPattern } from "./patterns.ts";
import { describeTier, maxTier, Tier } from "./tier.ts";

/** How strictly calls are admitted. */
export type PolicyMode = "open" | "guarded" | "readonly";

/** The accepted mode names. */
export const POLICY_MODES: readonly PolicyMode[] = ["open", "guarded", "readonly"];

/** Everything a {@link Policy} needs. */
export interface PolicyOptions {
  /** The admission mode. */
  mode: PolicyMode;
  /** RELAY_SHELL_POLICY_DENY: a match refuses the call in every mode. */
  deny?: PolicyPattern;
  /** RELAY_SHELL_POLICY_ALLOW: a match admits tier 2 and 3 in guarded mode. */
  allow?: PolicyPattern;
  /** Classifies shell text. */
  classifier: CommandClassifier;
}

/** One call as the policy sees it. */
export interface PolicyRequest {
  /** The tool name (the probe starts with it). */
  tool: string;
  /** The tool's own tier (0 for read-only tools; read-only tools ignore commands). */
  baseTier: Tier;
  /** True for Tier-0 tools: commands are not classified, the tier stays at the base tier. */
  readOnly?: boolean;
  /** Shell text to classify shell-aware (command, script, stdin, session input …). */
  commands?: string[];
  /** Extra text the deny/allow rules see but the classifier does not (hosts, paths, env JSON …). */
  subjects?: string[];
}

/** The outcome of {@link Policy.evaluate}. */
export interface PolicyDecision {
  /** True when the call may run. */
  allowed: boolean;
  /** The effective tier. */
  tier: Tier;
  /** Why the call was refused, or "". */
  reason: string;
  /** Classification reasons (most severe first). */
  reasons: string[];
  /** The text the deny/allow rules were tested against (first 64 KiB, for the audit line). */
  probe: string;
}

/** The probe returned in decisions is cut to this many UTF-16 units. */
export const PROBE_PREVIEW_LENGTH = 64 * 1024;
/** Deny/allow rules see the whole probe up to this length; a longer probe is refused when a deny rule is set. */
export const PROBE_MATCH_LIMIT = 1024 * 1024;

/** Classifies calls and admits or refuses them. */
export class Policy {
  #mode: PolicyMode;
  #deny?: PolicyPattern;
  #allow?: PolicyPattern;
  #classifier: CommandClassifier;

  /** Creates a policy; throws TypeError for an unknown mode. */
  constructor(options: PolicyOptions) {
    if (!POLICY_MODES.includes(options.mode)) {
      throw new TypeError(
        `mode: expected one of ${POLICY_MODES.join(", ")}, got ${String(options.mode)}`,
      );
    }
    this.#mode = options.mode;
    this.#deny = options.deny;
    this.#allow = options.allow;
    this.#classifier = options.classifier;
  }

  /** The admission mode. */
  get mode(): PolicyMode {
    return this.#mode;
  }

  /** Classifies one call and decides whether it may run. Never throws for string input. */
  evaluate(request: PolicyRequest): PolicyDecision {
    const commands = request.commands ?? [];
    const subjects = request.subjects ?? [];
    const fullProbe = `${request.tool} ${[...commands, ...subjects].join("\n")}`.trimEnd();
    const probe = fullProbe.slice(0, PROBE_PREVIEW_LENGTH);

    let tier = request.baseTier;
    const reasons: string[] = [];
    if (!request.readOnly) {
      for (const command of commands) {
        const c = this.#classifier.classify(command);
        tier = maxTier(tier, c.tier);
        for (const r of c.reasons) if (!reasons.includes(r)) reasons.push(r);
      }
    }
    const decide = (allowed: boolean, reason: string): PolicyDecision => ({
      allowed,
      tier,
      reason,
      reasons,
      probe,
    });

    if (this.#deny) {
      if (fullProbe.length > PROBE_MATCH_LIMIT) {
        return decide(false, "request too large to check against RELAY_SHELL_POLICY_DENY");
      }
      if (this.#deny.test(fullProbe)) return decide(false, "matched RELAY_SHELL_POLICY_DENY");
    }
    if (this.#mode === "readonly" && tier !== Tier.READ_ONLY) {
      return decide(false, `readonly mode refuses ${describeTier(tier)}`);
    }
    if (this.#mode === "guarded" && tier >= Tier.STATEFUL) {
      const allowed = !!this.#allow && fullProbe.length <= PROBE_MATCH_LIMIT &&
        this.#allow.test(fullProbe);
      if (!allowed) {
        return decide(
          false,
          `guarded mode refuses ${describeTier(tier)} without a RELAY_SHELL_POLICY_ALLOW match`,
        );
      }
    }
    return decide(true, "");
  }
}
