/**
 * The shell-aware command classifier: parses shell text with tree-sitter-bash and classifies every
 * simple command in it (after any operator, in substitutions, subshells, groups, compound
 * statements and functions, behind wrappers such as sudo/env/xargs, and inside `bash -c`, `eval`,
 * `ssh host '…'`, heredocs fed to shells) against the tier vocabulary.
 *
 * `classify()` returns the tier implied by the command text alone: 0 when nothing notable was found,
 * 2 (stateful) or 3 (irreversible) otherwise. It never returns 1; the caller takes the maximum with
 * the tool's own base tier (1 for tools that run commands).
 *
 * Conservative fallbacks, each at least Tier 2: input that does not parse (its raw text is also
 * scanned for vocabulary, so Tier-3 words still give 3), dynamic command names, text beyond 64 KiB,
 * nesting beyond 8 levels, and inputs that exhaust the parse budgets. The parse budgets include a
 * wall-clock guard, so only such pathological inputs may classify differently from run to run.
 *
 * Known limits: the classifier reads text, it does not execute it. Commands assembled at run time
 * (`$CMD`, `eval "$x"`, `bash -c "$x"`, `curl … | sh`, `source <(…)`) are flagged Tier 2 but what
 * they finally run is unknown (a variable assigned a constant in the same text is resolved);
 * scripts run from files (`bash deploy.sh`, `make install`, `./x`) are not read; aliases and
 * functions defined in earlier calls are unknown; input split across several calls (session
 * keystrokes) is classified piece by piece; shell text that is not a command (data on stdin) may
 * fail to parse and so count as Tier 2; interpreter code (`python -c`, `perl -e`, `awk`,
 * PowerShell blocks) gets a token scan, not a parse, so a quoted string starting with a command
 * word counts (`print('reboot')`) while library calls do not (`shutil.rmtree`); SQL statements
 * (`DROP TABLE` …) count wherever they appear, even in a commit message; archive extraction into
 * system paths (`tar -C /`) is not recognised; wrappers outside the documented list are not seen
 * through.
 */
import { Language, Parser, type Tree } from "web-tree-sitter";
import coreWasm from "web-tree-sitter/web-tree-sitter.wasm" with { type: "bytes" };
import bashWasm from "tree-sitter-bash/tree-sitter-bash.wasm" with { type: "bytes" };
import type { Scan } from "./_command.ts";
import { type RawMode, rawScan } from "./_raw_scan.ts";
import { ShellWalker } from "./_shell_walk.ts";
import { Tier } from "./tier.ts";

/** The tier implied by a piece of shell text, with the reasons. */
export interface Classification {
  /** 0 (nothing notable), 2 (stateful) or 3 (irreversible). */
  tier: Tier;
  /** Short human reasons, most severe first (e.g. `rm -r/-f (recursive or forced delete)`). */
  reasons: string[];
  /** False when the input could not be parsed as shell (then the tier is at least 2). */
  parsed: boolean;
}

/** Text beyond this many UTF-16 units is not analysed (and makes the tier at least 2). */
export const MAX_CLASSIFIED_LENGTH = 64 * 1024;
/** Nesting of `bash -c`, `ssh host '…'`, `eval` … beyond this is not parsed (tier at least 2). */
export const MAX_NESTING = 8;
/** Total text parsed or scanned for one call, nested scripts included. */
const WORK_BUDGET = 1024 * 1024;
/**
 * Parser steps (progress callbacks, about 100 parse operations each) per parse. A 64 KiB
 * everyday script needs under 2,000; tree-sitter's error recovery on long broken input can
 * otherwise run for seconds and exhaust the Wasm heap, which kills the parser for the process.
 */
const PARSE_STEP_BUDGET = 4_000;
/** Wall-clock guard per parse and per classification, for inputs that are slow per step. */
const PARSE_TIME_BUDGET_MS = 200;
const CLASSIFY_TIME_BUDGET_MS = 500;
/** Characters handed to the parser per read. */
const READ_CHUNK = 4096;
/** Reasons kept per classification. */
const MAX_REASONS = 16;
/** Classifications remembered (most recently used kept): agents repeat the same commands. */
export const CLASSIFY_CACHE_ENTRIES = 512;
/** Longer text is classified afresh every time (and not held in memory). */
export const CLASSIFY_CACHE_MAX_LENGTH = 4096;

let language: Promise<Language> | undefined;
/** Set when the Wasm parser aborted: the module is then unusable for the rest of the process. */
let parserBroken = false;

function loadLanguage(): Promise<Language> {
  // print/printErr: the Wasm runtime must never write to stdout (JSON-RPC) or stderr.
  const quiet = () => {};
  language ??= Parser.init({ wasmBinary: coreWasm, print: quiet, printErr: quiet })
    .then(() => Language.load(bashWasm));
  return language;
}

/** Accumulates findings for one classification. */
class Findings {
  tier: Tier = Tier.READ_ONLY;
  work = 0;
  /** Set when a time budget or a broken parser decided part of the result (not to be cached). */
  volatile = false;
  readonly deadline = performance.now() + CLASSIFY_TIME_BUDGET_MS;
  #reasons = new Map<string, Tier>();

  add(tier: Tier, reason: string): void {
    if (tier > this.tier) this.tier = tier;
    const known = this.#reasons.get(reason);
    if (known === undefined || tier > known) this.#reasons.set(reason, tier);
  }

  reasons(): string[] {
    return [...this.#reasons.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, MAX_REASONS)
      .map(([reason]) => reason);
  }
}

/** Classifies shell text by parsing it; create one with {@link CommandClassifier.create}. */
export class CommandClassifier {
  #parser: Parser;
  /** text -> result, in least recently used order (a Map keeps insertion order). */
  #cache = new Map<string, Classification>();

  private constructor(parser: Parser) {
    this.#parser = parser;
  }

  /** Loads tree-sitter and the bash grammar (once per process) and returns a classifier. */
  static async create(): Promise<CommandClassifier> {
    const lang = await loadLanguage();
    const parser = new Parser();
    parser.setLanguage(lang);
    return new CommandClassifier(parser);
  }

  /**
   * Classifies shell text; synchronous, never throws. See the module notes for the limits.
   * The result depends on the text alone, so results for short text are remembered; a result
   * that a time budget or an unusable parser decided is not.
   */
  classify(command: string): Classification {
    const text = String(command);
    const cacheable = text.length <= CLASSIFY_CACHE_MAX_LENGTH;
    const hit = cacheable ? this.#cache.get(text) : undefined;
    if (hit) {
      this.#cache.delete(text);
      this.#cache.set(text, hit);
      return { ...hit, reasons: [...hit.reasons] };
    }
    const result = this.#classify(text);
    if (cacheable && !result.volatile) {
      const kept = { tier: result.tier, reasons: [...result.reasons], parsed: result.parsed };
      this.#cache.set(text, kept);
      if (this.#cache.size > CLASSIFY_CACHE_ENTRIES) {
        this.#cache.delete(this.#cache.keys().next().value!);
      }
    }
    return { tier: result.tier, reasons: result.reasons, parsed: result.parsed };
  }

  #classify(command: string): Classification & { volatile: boolean } {
    const findings = new Findings();
    let text = command;
    if (text.length > MAX_CLASSIFIED_LENGTH) {
      findings.add(Tier.STATEFUL, "command text over 64 KiB (only the first 64 KiB classified)");
      text = text.slice(0, MAX_CLASSIFIED_LENGTH);
    }
    let parsed = false;
    try {
      parsed = this.#script(text, 0, findings);
    } catch {
      findings.volatile = true;
      findings.add(Tier.STATEFUL, "internal classifier error (classified conservatively)");
      this.#raw(text, "every", findings);
    }
    return {
      tier: findings.tier,
      reasons: findings.reasons(),
      parsed,
      volatile: findings.volatile,
    };
  }

  /** Parses and walks `text` at nesting `depth`; false when it did not parse cleanly. */
  #script(text: string, depth: number, findings: Findings): boolean {
    if (text.trim() === "") return true;
    if (depth > MAX_NESTING) {
      findings.add(Tier.STATEFUL, `shell nesting deeper than ${MAX_NESTING} levels`);
      this.#raw(text, "every", findings);
      return true;
    }
    if (!this.#spend(text, findings)) return true;
    const tree = this.#parse(text, findings);
    if (!tree) {
      this.#raw(text, "every", findings);
      return false;
    }
    try {
      const root = tree.rootNode;
      const clean = !root.hasError;
      if (!clean) {
        findings.add(
          Tier.STATEFUL,
          depth === 0 ? "could not parse as shell" : "nested script could not be parsed",
        );
        this.#raw(text, "every", findings);
      }
      const scan: Scan = {
        raw: false,
        add: (tier, reason) => findings.add(tier, reason),
        script: (nested) => void this.#script(nested, depth + 1, findings),
        code: (code) => this.#raw(code, "starts", findings),
      };
      new ShellWalker(text, scan).walkScript(root);
      return clean;
    } finally {
      tree.delete();
    }
  }

  /** Parses with bounded work; null (with a reason) when the parser gave up or is unavailable. */
  #parse(text: string, findings: Findings): Tree | null {
    if (parserBroken) {
      findings.volatile = true;
      findings.add(Tier.STATEFUL, "shell parser unavailable (classified as text)");
      return null;
    }
    const started = performance.now();
    if (started > findings.deadline) {
      findings.volatile = true;
      findings.add(Tier.STATEFUL, "analysis time budget exhausted (classified as text)");
      return null;
    }
    const stopAt = Math.min(started + PARSE_TIME_BUDGET_MS, findings.deadline);
    let steps = 0;
    const progressCallback = () => ++steps > PARSE_STEP_BUDGET || performance.now() > stopAt;
    let tree: Tree | null;
    try {
      // The progress callback returns true to cancel (the .d.ts types its result as void).
      tree = this.#parser.parse((i: number) => text.slice(i, i + READ_CHUNK), null, {
        progressCallback,
      });
    } catch {
      parserBroken = true;
      findings.volatile = true;
      findings.add(Tier.STATEFUL, "shell parser unavailable (classified as text)");
      return null;
    }
    if (!tree) {
      // The step budget is deterministic, the clock is not: either may have stopped the parse.
      findings.volatile = true;
      this.#parser.reset();
      findings.add(Tier.STATEFUL, "could not parse as shell (too complex)");
    }
    return tree;
  }

  #raw(text: string, mode: RawMode, findings: Findings): void {
    if (!this.#spend(text, findings)) return;
    const scan: Scan = {
      raw: true,
      add: (tier, reason) => findings.add(tier, reason),
      script: () => {},
      code: () => {},
    };
    rawScan(text, mode, scan);
  }

  /** Charges `text` to the work budget; false (and Tier 2) once the budget is spent. */
  #spend(text: string, findings: Findings): boolean {
    findings.work += text.length;
    if (findings.work <= WORK_BUDGET) return true;
    findings.add(Tier.STATEFUL, "analysis budget exhausted (nested text too large)");
    return false;
  }
}
