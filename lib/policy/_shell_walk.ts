/**
 * Walks a tree-sitter-bash syntax tree and hands every simple command to the command analyser:
 * commands after any operator, inside substitutions, subshells, groups, compound statements and
 * functions, with their redirections, heredocs and herestrings, and pipelines into shells.
 */
import type { Node } from "web-tree-sitter";
import { analyseCommand, type Scan } from "./_command.ts";
import { sqlHits } from "./_sql.ts";
import { writeTargetHit } from "./_targets.ts";
import { commandKey, type Word, wordOf } from "./_words.ts";
import { Tier } from "./tier.ts";

/** Node kinds that never contain a command. */
const LEAVES = new Set([
  "word",
  "raw_string",
  "ansi_c_string",
  "number",
  "variable_name",
  "special_variable_name",
  "string_content",
  "heredoc_content",
  "heredoc_start",
  "heredoc_end",
  "file_descriptor",
  "comment",
  "test_operator",
  "regex",
  "extglob_pattern",
]);
const REDIRECTS = new Set(["file_redirect", "heredoc_redirect", "herestring_redirect"]);
const WRITE_OPERATORS = new Set([">", ">>", ">|", "&>", "&>>", ">&", "<>"]);
const CONTINUATION_SKIP = new Set(["heredoc_start", "heredoc_body", "heredoc_end"]);

interface Stage {
  node: Node;
  redirects: Node[];
}

interface Outcome {
  /** The stage executes its standard input as code. */
  stdinCode: boolean;
  /** Literal text the stage writes to its standard output (heredocs, herestrings, echo). */
  payload: string[];
}

const NOTHING: Outcome = { stdinCode: false, payload: [] };

/** Syntax nesting walked at once, across nested scripts (classification is synchronous). */
const MAX_SYNTAX_DEPTH = 400;
let active = 0;

/** Walks one parsed script (the text `src` it was parsed from) and reports into `scan`. */
export class ShellWalker {
  #src: string;
  #scan: Scan;
  #handled = new Set<number>();

  #variables = new Map<string, string[]>();

  /** Prepares a walk over a tree parsed from `src`. */
  constructor(src: string, scan: Scan) {
    this.#src = src;
    this.#scan = {
      raw: scan.raw,
      add: (tier, reason) => scan.add(tier, reason),
      script: (text) => scan.script(text),
      code: (text) => scan.code(text),
      variable: (name) => this.#variables.get(name),
    };
  }

  /** Walks a whole script: notes its static variable assignments, then walks every command. */
  walkScript(root: Node): void {
    const assignments = this.#src.includes("=")
      ? root.descendantsOfType("variable_assignment")
      : [];
    for (const assignment of assignments) {
      const name = assignment?.childForFieldName("name")?.text;
      const value = assignment?.childForFieldName("value");
      if (!name || !value) continue;
      const w = wordOf(value);
      const known = this.#variables.get(name) ?? [];
      if (!w.dynamic && known.length < 8 && !known.includes(w.text)) known.push(w.text);
      this.#variables.set(name, known);
    }
    this.walk(root);
  }

  /** Walks `node` and everything below it. */
  walk(node: Node): void {
    if (active >= MAX_SYNTAX_DEPTH) {
      this.#scan.add(Tier.STATEFUL, "shell syntax nested too deeply (scanned as text)");
      this.#scan.code(node.text);
      return;
    }
    active++;
    try {
      this.#walk(node);
    } finally {
      active--;
    }
  }

  #walk(node: Node): void {
    switch (node.type) {
      case "command":
        this.#command(node, []);
        return;
      case "redirected_statement":
        this.#redirected(node);
        return;
      case "pipeline":
        this.#pipeline(node.namedChildren.filter(isNode).map((n) => ({ node: n, redirects: [] })));
        return;
      case "function_definition":
        this.#forkBomb(node);
        break;
      case "file_redirect":
        this.#fileRedirect(node);
        break;
      case "heredoc_body":
        this.#sql(node.text);
        break;
      case "herestring_redirect":
        this.#sql(node.text);
        break;
      default:
        if (LEAVES.has(node.type)) return;
    }
    for (const child of node.namedChildren) {
      if (child && !this.#handled.has(child.id)) this.walk(child);
    }
  }

  #sql(text: string): void {
    for (const [tier, reason] of sqlHits(text, false)) this.#scan.add(tier, reason);
  }

  #redirected(node: Node): Outcome {
    let body: Node | undefined;
    const redirects: Node[] = [];
    const extra: Node[] = [];
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (REDIRECTS.has(child.type)) redirects.push(child);
      else if (!body) body = child;
      else extra.push(child);
    }
    for (const child of extra) this.walk(child);
    if (!body) {
      for (const r of redirects) this.#redirect(r);
      return NOTHING;
    }
    // `cat <<EOF | sh` parses the pipe continuation inside the heredoc redirect.
    const continuation = redirects
      .filter((r) => r.type === "heredoc_redirect")
      .flatMap((r) => r.namedChildren.filter(isNode).filter((c) => c.type === "pipeline"));
    if (continuation.length === 0) return this.#stage({ node: body, redirects });
    for (const p of continuation) this.#handled.add(p.id);
    const stages: Stage[] = [{ node: body, redirects }];
    for (const p of continuation) {
      for (const n of p.namedChildren) if (n) stages.push({ node: n, redirects: [] });
    }
    return this.#pipeline(stages);
  }

  #stage(stage: Stage): Outcome {
    if (stage.node.type === "command") return this.#command(stage.node, stage.redirects);
    for (const r of stage.redirects) this.#redirect(r);
    if (stage.node.type === "redirected_statement") return this.#redirected(stage.node);
    this.walk(stage.node);
    return NOTHING;
  }

  #pipeline(stages: Stage[]): Outcome {
    const outcomes = stages.map((s) => this.#stage(s));
    const lastCodeStage = outcomes.findLastIndex((o, j) => j > 0 && o.stdinCode);
    if (lastCodeStage > 0) {
      this.#scan.add(Tier.STATEFUL, "a shell or interpreter runs piped input");
      for (let i = 0; i < lastCodeStage; i++) {
        for (const p of outcomes[i].payload) this.#scan.script(p);
      }
    }
    return { stdinCode: outcomes[0]?.stdinCode ?? false, payload: [] };
  }

  #command(node: Node, outer: readonly Node[]): Outcome {
    const words: Word[] = [];
    const redirects = [...outer];
    let lastEnd = -1;
    const push = (n: Node) => {
      const w = wordOf(n);
      const gap = lastEnd >= 0 ? this.#src.slice(lastEnd, n.startIndex) : "";
      if (words.length > 0 && gap.length > 0 && /^(\\\r?\n)+$/.test(gap)) {
        // `r\<newline>m` is one word to bash; tree-sitter splits it.
        const prev = words[words.length - 1];
        words[words.length - 1] = {
          text: prev.text + w.text,
          dynamic: prev.dynamic || w.dynamic,
          glob: prev.glob || w.glob,
        };
      } else words.push(w);
      lastEnd = n.endIndex;
      if (!LEAVES.has(n.type)) this.walk(n);
    };
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === "command_name") push(child.namedChild(0) ?? child);
      else if (REDIRECTS.has(child.type)) redirects.push(child);
      else if (child.type === "variable_assignment") this.walk(child);
      else if (child.type !== "comment") push(child);
    }
    const feeds: string[] = [];
    for (const r of redirects) this.#redirect(r, feeds);
    const outcome = analyseCommand(words, feeds, this.#scan);
    const payload = [...feeds];
    const key = words.length > 0 ? commandKey(words[0].text) : "";
    if (key === "echo" || key === "printf") {
      payload.push(words.slice(1).map((w) => w.text).join(" "));
    }
    return { stdinCode: outcome.stdinCode, payload };
  }

  /** Handles a redirect; heredoc and herestring text goes to `feeds` (or is scanned for SQL). */
  #redirect(r: Node, feeds?: string[]): void {
    if (r.type === "file_redirect") {
      this.#fileRedirect(r);
      for (const child of r.namedChildren) if (child && !LEAVES.has(child.type)) this.walk(child);
      return;
    }
    for (const child of r.namedChildren) {
      if (!child || this.#handled.has(child.id)) continue;
      if (r.type === "herestring_redirect") {
        const w = wordOf(child);
        if (feeds) feeds.push(w.text);
        else this.#sql(w.text);
        if (!LEAVES.has(child.type)) this.walk(child);
      } else if (child.type === "heredoc_body") {
        if (feeds) feeds.push(child.text);
        else this.#sql(child.text);
        for (const part of child.namedChildren) if (part) this.walk(part);
      } else if (!CONTINUATION_SKIP.has(child.type)) this.walk(child);
    }
  }

  #fileRedirect(r: Node): void {
    let operator = "";
    for (const child of r.children) {
      if (child && !child.isNamed) {
        operator = child.type;
        break;
      }
    }
    const dest = r.childForFieldName("destination");
    if (!dest) return;
    const target = wordOf(dest).text;
    if (/^\/dev\/(tcp|udp)\//.test(target)) {
      return this.#scan.add(
        Tier.STATEFUL,
        `network redirection (${target.split("/").slice(0, 4).join("/")})`,
      );
    }
    if (!WRITE_OPERATORS.has(operator)) return;
    if (operator === ">&" && /^(\d+|-)$/.test(target)) return;
    const hit = writeTargetHit(target);
    if (hit) this.#scan.add(hit[0], hit[1]);
  }

  /** `:(){ :|:& };:` and kin: a function that calls itself in a pipeline or in the background. */
  #forkBomb(node: Node): void {
    const name = node.childForFieldName("name")?.text;
    const body = node.childForFieldName("body");
    if (!name || !body) return;
    for (const cmd of body.descendantsOfType("command")) {
      if (!cmd || cmd.childForFieldName("name")?.text !== name) continue;
      const parent = cmd.parent;
      const background = cmd.nextSibling?.type === "&" || parent?.nextSibling?.type === "&";
      if (parent?.type === "pipeline" || background) {
        this.#scan.add(Tier.IRREVERSIBLE, `fork bomb (function ${name} spawns itself)`);
        return;
      }
    }
  }
}

function isNode(n: Node | null): n is Node {
  return n !== null;
}
