/** The shape of a vocabulary rule and the small option-parsing helpers rules share. */
import { clip, writeTargetHit } from "./_targets.ts";
import { Tier } from "./tier.ts";
import type { Word } from "./_words.ts";

/** What a rule sees of one simple command and what it can do about it. */
export interface RuleContext {
  /** The command key (basename, lower-case, no `.exe`). */
  readonly name: string;
  /** Argument texts after quote removal (the name excluded). */
  readonly args: readonly string[];
  /** The same arguments as words, with their dynamic/glob flags. */
  readonly words: readonly Word[];
  /** True when the command runs once per input item (`find -exec`, `xargs`). */
  readonly bulk: boolean;
  /** Heredoc bodies and herestrings fed to the command. */
  readonly feeds: readonly string[];
  /** True while scanning raw tokens rather than a parse tree. */
  readonly raw: boolean;
  /** Records a finding. */
  add(tier: Tier, reason: string): void;
  /** Classifies `args[from…]` as a command of its own (wrappers: sudo, env, xargs …). */
  run(from: number, options?: { bulk?: boolean }): void;
  /** Classifies a synthetic argument vector as a command. */
  runArgv(argv: readonly string[], options?: { bulk?: boolean }): void;
  /** Classifies text as a nested shell script (`bash -c`, `ssh host '…'`, `eval`). */
  script(text: string): void;
  /** Scans opaque code (`python -c`, PowerShell blocks) for command words. */
  code(text: string): void;
  /** Marks the command as executing its standard input as code (`bash`, `ssh host`). */
  readsStdinCode(): void;
}

/** A vocabulary entry: inspects one command and records findings. */
export type Rule = (c: RuleContext) => void;

/** Which options take a value: short letters and long names (`--user`). */
export interface OptionSpec {
  /** Short option letters that take a value (`"ug"` for `-u USER -g GROUP`). */
  readonly short?: string;
  /** Long options that take a separate value (`--user USER`). */
  readonly long?: readonly string[];
}

/** Index of the first operand at or after `from`, skipping options and their values. */
export function skipOptions(args: readonly string[], from: number, spec: OptionSpec = {}): number {
  let j = from;
  while (j < args.length) {
    const a = args[j];
    if (a === "--") return j + 1;
    if (a.startsWith("--")) {
      j += !a.includes("=") && spec.long?.includes(a) ? 2 : 1;
      continue;
    }
    if (a.length > 1 && a.startsWith("-")) {
      j += shortTakesValue(a, spec.short ?? "") ? 2 : 1;
      continue;
    }
    return j;
  }
  return j;
}

/** True when a short cluster ends in a letter that takes its value from the next argument. */
function shortTakesValue(cluster: string, letters: string): boolean {
  for (let k = 1; k < cluster.length; k++) {
    if (letters.includes(cluster[k])) return k === cluster.length - 1;
  }
  return false;
}

/** All operands (GNU-style: options may follow operands), skipping option values. */
export function operands(args: readonly string[], spec: OptionSpec = {}): string[] {
  const out: string[] = [];
  let j = 0;
  while (j < args.length) {
    const a = args[j];
    if (a === "--") {
      out.push(...args.slice(j + 1));
      break;
    }
    if (a.startsWith("--")) j += !a.includes("=") && spec.long?.includes(a) ? 2 : 1;
    else if (a.length > 1 && a.startsWith("-")) j += shortTakesValue(a, spec.short ?? "") ? 2 : 1;
    else {
      out.push(a);
      j++;
    }
  }
  return out;
}

/** Letters of the single-dash option clusters before any `--`. */
export function shortLetters(args: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const a of args) {
    if (a === "--") break;
    if (a.length > 1 && a[0] === "-" && a[1] !== "-") { for (const ch of a.slice(1)) out.add(ch); }
  }
  return out;
}

/** True when an argument is one of `names` or `name=value` for one of them. */
export function hasOption(args: readonly string[], ...names: string[]): boolean {
  return args.some((a) => names.some((n) => a === n || a.startsWith(n + "=")));
}

/** True when any single-dash cluster holds one of the `letters`. */
export function hasShort(args: readonly string[], letters: string): boolean {
  for (const a of args) {
    if (a === "--") return false;
    if (a.length > 1 && a[0] === "-" && a[1] !== "-") {
      for (let k = 1; k < a.length; k++) if (letters.includes(a[k])) return true;
    }
  }
  return false;
}

/** Lower-cased copies, for case-insensitive vocabularies (PowerShell, cmd, SQL). */
export function lower(args: readonly string[]): string[] {
  return args.map((a) => a.toLowerCase());
}

/** True when one of `options` appears as an argument. */
export function anyOf(args: readonly string[], options: readonly string[]): boolean {
  return args.some((a) => options.includes(a));
}

/** A rule that always records the same finding. */
export function always(tier: Tier, reason: string): Rule {
  return (c) => c.add(tier, reason);
}

/** Records what writing to each path means (block devices, /etc, system trees). */
export function writes(c: RuleContext, paths: readonly string[]): void {
  for (const p of paths) {
    const hit = writeTargetHit(p);
    if (hit) c.add(hit[0], hit[1]);
  }
}

/** A set from a space-separated list (keeps vocabulary tables compact). */
export function setOf(list: string): ReadonlySet<string> {
  return new Set(list.split(/\s+/).filter(Boolean));
}

/**
 * The value of an option that takes one (`-c X`, `-cX`, `--command X`, `--command=X`) among
 * `args[0…end)`: the index of the value, or the glued value itself; undefined when absent.
 */
export function optionValue(
  c: RuleContext,
  letter: string,
  long: readonly string[] = [],
  end = c.args.length,
): number | string | undefined {
  for (let i = 0; i < end; i++) {
    const a = c.args[i];
    if (a === "--") return undefined;
    for (const name of long) {
      if (a === name) return i + 1;
      if (a.startsWith(name + "=")) return a.slice(name.length + 1);
    }
    if (a.length > 1 && a[0] === "-" && a[1] !== "-") {
      const k = a.indexOf(letter, 1);
      if (k < 0) continue;
      return k === a.length - 1 ? i + 1 : a.slice(k + 1);
    }
  }
  return undefined;
}

/** Classifies an option value as a nested script; a dynamic value is at least Tier 2. */
export function scriptAt(
  c: RuleContext,
  value: number | string | undefined,
  what: string,
): boolean {
  if (value === undefined) return false;
  if (typeof value === "string") {
    c.script(value);
    return true;
  }
  const w = c.words[value];
  if (!w) return true;
  if (w.dynamic) c.add(Tier.STATEFUL, `${what} runs a dynamic script (${clip(w.text)})`);
  c.script(w.text);
  return true;
}

/** Marks the command as running its standard input; heredoc/herestring input is classified. */
export function readsStdin(c: RuleContext, asShell: boolean): void {
  c.readsStdinCode();
  for (const feed of c.feeds) asShell ? c.script(feed) : c.code(feed);
}
