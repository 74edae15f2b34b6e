/**
 * Classifies one simple command given as words: leading assignments skipped, the name normalised,
 * wrappers seen through, and the vocabulary rule for the name applied.
 */
import type { Rule, RuleContext } from "./_rule.ts";
import { DEVOPS_RULES } from "./_rules_devops.ts";
import { FILE_RULES, fileFamily } from "./_rules_files.ts";
import { NETWORK_RULES } from "./_rules_network.ts";
import { PACKAGE_RULES, packageFamily } from "./_rules_packages.ts";
import { SCRIPT_RULES, scriptFamily } from "./_rules_scripts.ts";
import { SYSTEM_RULES } from "./_rules_system.ts";
import { isPowerShellBlockHost, WINDOWS_RULES } from "./_rules_windows.ts";
import { WRAPPER_RULES } from "./_rules_wrappers.ts";
import { DB_CLIENTS, sqlHits } from "./_sql.ts";
import { clip } from "./_targets.ts";
import { commandKey, isAssignment, staticWord, type Word } from "./_words.ts";
import { Tier } from "./tier.ts";

/** Where findings go and how nested text is handled, for one level of analysis. */
export interface Scan {
  /** True while scanning raw tokens: no nested parsing, no dynamic-name findings. */
  readonly raw: boolean;
  /** Records a finding. */
  add(tier: Tier, reason: string): void;
  /** Classifies text as a nested shell script. */
  script(text: string): void;
  /** Scans opaque code for command words. */
  code(text: string): void;
  /** Static values assigned to a shell variable earlier in the same script, if known. */
  variable?(name: string): readonly string[] | undefined;
}

/** What the surrounding pipeline needs to know about a command. */
export interface CommandOutcome {
  /** The command executes its standard input as code (`bash`, `ssh host`, `python`). */
  readonly stdinCode: boolean;
}

const RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ...FILE_RULES,
  ...SYSTEM_RULES,
  ...NETWORK_RULES,
  ...DEVOPS_RULES,
  ...PACKAGE_RULES,
  ...WINDOWS_RULES,
  ...WRAPPER_RULES,
  ...SCRIPT_RULES,
]);

/** Every command name the vocabulary knows (for tests and documentation). */
export const KNOWN_COMMANDS: readonly string[] = [...RULES.keys()];

/** Wrapper chains longer than this are refused analysis (and count as Tier 2). */
const MAX_HOPS = 32;

function lookup(key: string): Rule | undefined {
  return RULES.get(key) ?? fileFamily(key) ?? packageFamily(key) ?? scriptFamily(key);
}

interface State {
  hops: number;
  stdinCode: boolean;
}

/** Classifies a parsed simple command, its heredoc/herestring input included. */
export function analyseCommand(
  words: readonly Word[],
  feeds: readonly string[],
  scan: Scan,
): CommandOutcome {
  const texts = words.map((w) => w.text);
  const client = texts.some((t) => DB_CLIENTS.has(commandKey(t)));
  for (const text of [texts.join(" "), ...feeds]) {
    for (const [tier, reason] of sqlHits(text, client)) scan.add(tier, reason);
  }
  const state: State = { hops: 0, stdinCode: false };
  dispatch(words, 0, feeds, false, state, scan);
  return { stdinCode: state.stdinCode };
}

/** Classifies a window of raw tokens as if it were a command (`scan.raw` is true). */
export function analyseWindow(words: readonly Word[], scan: Scan): void {
  dispatch(words, 0, [], false, { hops: 0, stdinCode: false }, scan);
}

/** The static basename of a dynamic name such as `$HOME/bin/tool`, if there is one. */
function staticBasename(text: string): string | undefined {
  const slash = text.lastIndexOf("/");
  if (slash < 0) return undefined;
  const base = text.slice(slash + 1);
  return /^[A-Za-z0-9._+-]+$/.test(base) ? base : undefined;
}

const VARIABLE = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/;
const IFS = /\$\{?IFS\}?/;

/** Word splitting of a value: whitespace-separated words, `$` marking a word dynamic. */
function split(text: string): Word[] {
  return text.split(/[ \t\n]+/).filter(Boolean).map((t) => ({
    text: t,
    dynamic: /[$`]/.test(t),
    glob: false,
  }));
}

/**
 * Resolves a dynamic command name where the script itself says what it is: `$a` after `a=rm`,
 * and `rm${IFS}-rf${IFS}/` (word splitting on IFS). Each alternative is a list of words.
 */
function expandName(text: string, scan: Scan): Word[][] | undefined {
  const variable = VARIABLE.exec(text);
  const values = variable ? scan.variable?.(variable[1]) : undefined;
  if (values && values.length > 0) return values.map(split).filter((ws) => ws.length > 0);
  if (IFS.test(text)) return [split(text.replace(/\$\{?IFS\}?/g, " "))];
  return undefined;
}

function dispatch(
  words: readonly Word[],
  start: number,
  feeds: readonly string[],
  bulk: boolean,
  state: State,
  scan: Scan,
): void {
  let i = start;
  while (i < words.length && isAssignment(words[i].text)) i++;
  if (i >= words.length) return;
  if (++state.hops > MAX_HOPS) return scan.add(Tier.STATEFUL, "too many nested command wrappers");
  const w = words[i];
  let name = w.text;
  if (!scan.raw) {
    if (w.dynamic) {
      const rest = words.slice(i + 1);
      const expanded = expandName(w.text, scan);
      if (expanded) {
        scan.add(Tier.STATEFUL, `dynamic command name (${clip(w.text)})`);
        for (const alt of expanded) dispatch([...alt, ...rest], 0, feeds, bulk, state, scan);
        return;
      }
      const base = staticBasename(w.text);
      if (base === undefined) {
        return scan.add(Tier.STATEFUL, `dynamic command name (${clip(w.text)})`);
      }
      name = base;
    }
    if (w.glob) {
      const brace = /^\{([^{}]*,[^{}]*)\}$/.exec(w.text);
      if (brace) {
        const expanded = brace[1].split(",").map(staticWord);
        return dispatch([...expanded, ...words.slice(i + 1)], 0, feeds, bulk, state, scan);
      }
      if (/[*?[\]{}]/.test(commandKey(name)) && name !== "[" && name !== "[[") {
        return scan.add(Tier.STATEFUL, `command name is a pattern (${clip(w.text)})`);
      }
    }
  }
  const key = commandKey(name);
  const args = words.slice(i + 1);
  const rule = lookup(key);
  if (rule) return rule(context(key, args, feeds, bulk, state, scan));
  if (isPowerShellBlockHost(key) && args.some((a) => a.text.startsWith("{"))) {
    scan.code(args.map((a) => a.text).join(" "));
  }
}

function context(
  name: string,
  words: readonly Word[],
  feeds: readonly string[],
  bulk: boolean,
  state: State,
  scan: Scan,
): RuleContext {
  return {
    name,
    args: words.map((w) => w.text),
    words,
    bulk,
    feeds,
    raw: scan.raw,
    add: (tier, reason) => scan.add(tier, reason),
    run: (from, options) => dispatch(words, from, feeds, bulk || !!options?.bulk, state, scan),
    runArgv: (argv, options) =>
      dispatch(argv.map(staticWord), 0, feeds, bulk || !!options?.bulk, state, scan),
    script: (text) => scan.script(text),
    code: (text) => scan.code(text),
    readsStdinCode: () => {
      state.stdinCode = true;
    },
  };
}
