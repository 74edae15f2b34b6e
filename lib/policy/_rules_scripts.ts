/**
 * Commands that run code given as text: shells (`bash -c`, `bash` reading stdin), `eval`,
 * `source`, `trap`, `alias`, `script -c`, and interpreters with inline code (`python -c`,
 * `perl -e`, `awk '…'`), whose code gets a token scan.
 */
import {
  operands,
  optionValue,
  readsStdin,
  type Rule,
  scriptAt,
  setOf,
  skipOptions,
} from "./_rule.ts";
import { clip } from "./_targets.ts";
import { Tier } from "./tier.ts";

const { STATEFUL: T2 } = Tier;

const SHELLS = setOf("bash sh zsh dash ksh mksh ash fish csh tcsh rbash yash posh");

const shell: Rule = (c) => {
  let commandMode = false;
  let stdinMode = false;
  let j = 0;
  for (; j < c.args.length; j++) {
    const a = c.args[j];
    if (a === "--" || a === "-") {
      j++;
      break;
    }
    if (a.startsWith("--")) {
      if (a === "--command") commandMode = true;
      else if (a === "--rcfile" || a === "--init-file") j++;
      continue;
    }
    if (a.length < 2 || (a[0] !== "-" && a[0] !== "+")) break;
    if (a[0] === "-" && a.includes("c")) commandMode = true;
    if (a[0] === "-" && a.includes("s")) stdinMode = true;
    if (/[oO]$/.test(a)) j++;
  }
  if (commandMode) return void scriptAt(c, j, c.name);
  const file = c.words[j];
  if (!stdinMode && file) {
    if (file.dynamic) c.add(T2, `${c.name} runs a generated script (${clip(file.text)})`);
    return;
  }
  readsStdin(c, true);
};

const evalRule: Rule = (c) => {
  const dynamic = c.words.find((w) => w.dynamic);
  if (dynamic) c.add(T2, `eval of dynamic text (${clip(dynamic.text)})`);
  c.script(c.args.join(" "));
};

const source: Rule = (c) => {
  const file = c.words[skipOptions(c.args, 0)];
  if (file?.dynamic) c.add(T2, `${c.name} of generated code (${clip(file.text)})`);
};

const trap: Rule = (c) => {
  const ops = operands(c.args);
  if (ops.length >= 2 && ops[0] !== "-") c.script(ops[0]);
};

const alias: Rule = (c) => {
  for (const a of c.args) {
    const eq = a.indexOf("=");
    if (eq > 0) c.script(a.slice(eq + 1));
  }
};

const script: Rule = (c) => void scriptAt(c, optionValue(c, "c", ["--command"]), "script");

/** Inline-code interpreters: which short option carries the code. */
function interpreter(codeLetters: string, inPlace: string, long: readonly string[] = []): Rule {
  return (c) => {
    let code = false;
    for (let i = 0; i < c.args.length; i++) {
      const a = c.args[i];
      if (long.includes(a)) {
        c.code(c.args[++i] ?? "");
        code = true;
        continue;
      }
      if (a === "--" || a.length < 2 || a[0] !== "-" || a[1] === "-") {
        if (a.startsWith("--")) continue;
        break;
      }
      const letters = a.slice(1);
      const k = [...letters].findIndex((ch) => codeLetters.includes(ch));
      const i2 = inPlace ? letters.indexOf(inPlace) : -1;
      if (i2 >= 0 && (k < 0 || i2 < k)) c.add(T2, `${c.name} -${inPlace} (edits files in place)`);
      if (c.name.startsWith("python") && (letters[0] === "m")) {
        const mod = letters.length > 1 ? letters.slice(1) : c.args[++i] ?? "";
        if (/^pip[0-9.]*$/.test(mod)) c.runArgv(["pip", ...c.args.slice(i + 1)]);
        return;
      }
      if (k >= 0) {
        c.code(k === letters.length - 1 ? c.args[++i] ?? "" : letters.slice(k + 1));
        code = true;
        if (c.name.startsWith("python")) return;
      }
    }
    if (!code && operands(c.args).length === 0) readsStdin(c, false);
  };
}

const awk: Rule = (c) => {
  const spec = {
    short: "fvFiEI",
    long: ["--file", "--assign", "--field-separator", "--include", "--load"],
  };
  if (c.args.some((a, i) => (a === "-i" || a === "--include") && c.args[i + 1] === "inplace")) {
    c.add(T2, `${c.name} -i inplace (edits files in place)`);
  }
  if (c.args.some((a) => a === "-f" || a.startsWith("--file"))) return;
  const at = skipOptions(c.args, 0, spec);
  if (at < c.args.length) c.code(c.args[at]);
};

/** Shell and interpreter vocabulary, keyed by command. */
export const SCRIPT_RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ...[...SHELLS].map((n): [string, Rule] => [n, shell]),
  ["eval", evalRule],
  ["source", source],
  [".", source],
  ["trap", trap],
  ["alias", alias],
  ["script", script],
  ["python", interpreter("c", "")],
  ["pypy", interpreter("c", "")],
  ["perl", interpreter("eE", "i")],
  ["ruby", interpreter("e", "i")],
  ["node", interpreter("ep", "", ["--eval", "--print"])],
  ["nodejs", interpreter("ep", "", ["--eval", "--print"])],
  ["php", interpreter("r", "")],
  ["lua", interpreter("e", "")],
  ["rscript", interpreter("e", "")],
  ["osascript", interpreter("e", "")],
  ["awk", awk],
  ["gawk", awk],
  ["mawk", awk],
  ["nawk", awk],
]);

/** `python3.12`, `perl5.36` … share their family's rule. */
export function scriptFamily(key: string): Rule | undefined {
  const m = /^(python|pypy|perl|ruby|php|lua|node)[0-9.]+$/.exec(key);
  return m ? SCRIPT_RULES.get(m[1]) : undefined;
}
