/**
 * Commands that run other commands: privilege wrappers (sudo, doas, su …) and transparent
 * wrappers (env, nohup, timeout, xargs, ssh …). Each records its own finding, if any, and
 * classifies the command it runs.
 */
import {
  type OptionSpec,
  optionValue,
  readsStdin,
  type Rule,
  scriptAt,
  skipOptions,
} from "./_rule.ts";
import { clip } from "./_targets.ts";
import { Tier } from "./tier.ts";

const { STATEFUL: T2 } = Tier;

/** A wrapper: skip its options (and `operandsBefore` operands such as a duration), then run the rest. */
function wrapper(
  spec: OptionSpec,
  options: { escalates?: boolean; operandsBefore?: number } = {},
): Rule {
  return (c) => {
    if (options.escalates) c.add(T2, `privilege escalation (${c.name})`);
    let at = skipOptions(c.args, 0, spec);
    for (let n = options.operandsBefore ?? 0; n > 0 && at < c.args.length; n--) {
      at = skipOptions(c.args, at + 1, spec);
    }
    if (at < c.args.length) c.run(at);
  };
}

const su: Rule = (c) => {
  if (c.name !== "runuser") c.add(T2, `privilege escalation (${c.name})`);
  if (scriptAt(c, optionValue(c, "c", ["--command", "--session-command"]), c.name)) return;
  if (c.name === "runuser" && optionValue(c, "u", ["--user"]) !== undefined) {
    const dash = c.args.indexOf("--");
    return c.run(
      dash >= 0
        ? dash + 1
        : skipOptions(c.args, 0, { short: "ugGsw", long: ["--user", "--group"] }),
    );
  }
  readsStdin(c, true);
};

const sudo: Rule = (c) => {
  c.add(T2, `privilege escalation (${c.name})`);
  const at = skipOptions(c.args, 0, {
    short: "ugpCDrtTUR",
    long: [
      "--user",
      "--group",
      "--prompt",
      "--close-from",
      "--chdir",
      "--role",
      "--type",
      "--command-timeout",
      "--other-user",
      "--host",
      "--chroot",
    ],
  });
  if (
    c.name !== "sudoedit" && !c.args.slice(0, at).some((a) => /^-[^-]*e/.test(a) || a === "--edit")
  ) c.run(at);
};

const env: Rule = (c) => {
  const at = skipOptions(c.args, 0, {
    short: "uCSP",
    long: ["--unset", "--chdir", "--split-string"],
  });
  const split = optionValue(c, "S", ["--split-string"], at);
  if (split !== undefined) {
    const text = typeof split === "string" ? split : c.args[split] ?? "";
    return c.script([text, ...c.args.slice(at)].join(" "));
  }
  c.run(at);
};

const command: Rule = (c) => {
  if (c.args.some((a) => /^-[pvV]*[vV]/.test(a))) return;
  c.run(skipOptions(c.args, 0));
};

const xargs: Rule = (c) => {
  const at = skipOptions(c.args, 0, {
    short: "adEILnPs",
    long: [
      "--arg-file",
      "--delimiter",
      "--eof",
      "--replace",
      "--max-lines",
      "--max-args",
      "--max-procs",
      "--max-chars",
      "--process-slot-var",
    ],
  });
  if (at < c.args.length) c.run(at, { bulk: true });
};

const flock: Rule = (c) => {
  const spec = { short: "wE", long: ["--timeout", "--wait", "--conflict-exit-code"] };
  const file = skipOptions(c.args, 0, spec);
  if (/^\d+$/.test(c.args[file] ?? "")) return;
  // `flock FILE -c 'command'` or `flock FILE command args…` (options may follow FILE).
  let at = file + 1;
  while (
    at < c.args.length && c.args[at].startsWith("-") && !/^(-c|--command)(=|$)/.test(c.args[at])
  ) {
    at += spec.short.includes(c.args[at].slice(-1)) && c.args[at].length === 2 ? 2 : 1;
  }
  const command = c.args[at] ?? "";
  if (command === "-c" || command === "--command") return void scriptAt(c, at + 1, "flock");
  if (command.startsWith("--command=")) return c.script(command.slice(10));
  c.run(at);
};

const watch: Rule = (c) => {
  const at = skipOptions(c.args, 0, { short: "nq", long: ["--interval"] });
  if (c.args.slice(0, at).some((a) => a === "-x" || a === "--exec" || /^-[a-z]*x/.test(a))) {
    return c.run(at);
  }
  if (at < c.args.length) c.script(c.args.slice(at).join(" "));
};

/** `ssh -o` settings whose value is a command line (run locally, or remotely for RemoteCommand). */
const SSH_COMMAND_OPTIONS =
  /^(ProxyCommand|LocalCommand|KnownHostsCommand|RemoteCommand)\s*[= ]\s*/i;

const ssh: Rule = (c) => {
  const host = skipOptions(c.args, 0, { short: "BbcDEeFIiJLlmOoPpQRSWw" });
  for (let i = 0; i < host; i++) {
    const value = c.args[i] === "-o"
      ? c.args[i + 1] ?? ""
      : c.args[i].startsWith("-o")
      ? c.args[i].slice(2)
      : "";
    const m = SSH_COMMAND_OPTIONS.exec(value);
    if (m) c.script(value.slice(m[0].length));
  }
  let at = host + 1;
  if (c.args[at] === "--") at++;
  for (const feed of c.feeds) c.script(feed);
  if (at >= c.args.length) return c.readsStdinCode();
  const dynamic = c.words.slice(at).find((w) => w.dynamic);
  if (dynamic) c.add(T2, `${c.name} runs a dynamic remote command (${clip(dynamic.text)})`);
  c.script(c.args.slice(at).join(" "));
};

/** `coproc NAME { …; }` runs the group; `coproc cmd args` runs the command. */
const coproc: Rule = (c) => c.run(c.args[1] === "{" ? 2 : c.args[0] === "{" ? 1 : 0);

/** Wrapper vocabulary, keyed by command. */
export const WRAPPER_RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ["sudo", sudo],
  ["sudoedit", sudo],
  ["doas", wrapper({ short: "uC" }, { escalates: true })],
  ["pkexec", wrapper({ long: ["--user"] }, { escalates: true })],
  [
    "run0",
    wrapper({
      short: "ugD",
      long: [
        "--user",
        "--group",
        "--chdir",
        "--setenv",
        "--property",
        "--description",
        "--slice",
        "--nice",
        "--unit",
        "--machine",
      ],
    }, { escalates: true }),
  ],
  ["gsudo", wrapper({ short: "u", long: ["--user"] }, { escalates: true })],
  ["runas", (c) => {
    c.add(T2, "privilege escalation (runas)");
    const program = c.args.find((a) => !a.startsWith("/"));
    if (program !== undefined) c.code(program);
  }],
  ["su", su],
  ["runuser", su],
  ["env", env],
  ["nohup", wrapper({})],
  ["builtin", wrapper({})],
  ["coproc", coproc],
  // tree-sitter-bash reads `time { …; }` and `! { …; }` as a command named `{`.
  ["{", wrapper({})],
  ["exec", wrapper({ short: "a" })],
  ["command", command],
  ["timeout", wrapper({ short: "sk", long: ["--signal", "--kill-after"] }, { operandsBefore: 1 })],
  ["nice", wrapper({ short: "n", long: ["--adjustment"] })],
  [
    "ionice",
    (c) =>
      c.args.some((a) => /^-[a-z]*[pPu]/.test(a)) ||
      wrapper({ short: "cn", long: ["--class", "--classdata"] })(c),
  ],
  [
    "chrt",
    (c) =>
      c.args.some((a) => /^-[a-z]*p/.test(a) || a === "--pid") ||
      wrapper({ short: "T", long: ["--sched-runtime"] }, { operandsBefore: 1 })(c),
  ],
  [
    "taskset",
    (c) =>
      c.args.some((a) => /^-[a-z]*p/.test(a) || a === "--pid") ||
      wrapper({}, { operandsBefore: 1 })(c),
  ],
  ["stdbuf", wrapper({ short: "ioe", long: ["--input", "--output", "--error"] })],
  ["time", wrapper({ short: "fo", long: ["--format", "--output"] })],
  [
    "strace",
    (c) => c.args.some((a) => /^-[a-z]*p/.test(a)) || wrapper({ short: "eoOpsSuEaIbPX" })(c),
  ],
  [
    "ltrace",
    (c) => c.args.some((a) => /^-[a-z]*p/.test(a)) || wrapper({ short: "eoOpsSuEanD" })(c),
  ],
  ["setsid", wrapper({})],
  ["nsenter", wrapper({ short: "tSG", long: ["--target"] })],
  ["unshare", wrapper({ short: "SGRw" })],
  ["chroot", wrapper({}, { operandsBefore: 1 })],
  ["busybox", wrapper({})],
  ["toybox", wrapper({})],
  ["sshpass", wrapper({ short: "pfdP" })],
  ["systemd-run", (c) => {
    c.add(T2, "systemd-run (starts a transient unit)");
    wrapper({
      short: "upEMHsG",
      long: [
        "--unit",
        "--property",
        "--setenv",
        "--machine",
        "--host",
        "--description",
        "--slice",
        "--uid",
        "--gid",
        "--nice",
        "--working-directory",
        "--on-calendar",
        "--on-active",
        "--on-boot",
      ],
    })(c);
  }],
  ["xargs", xargs],
  ["parallel", (c) => {
    const end = c.args.findIndex((a) => a === ":::" || a === "::::");
    const head = c.args.slice(0, end < 0 ? undefined : end);
    const at = skipOptions(head, 0, { short: "jSI", long: ["--jobs", "--sshlogin"] });
    if (at >= head.length) return c.readsStdinCode();
    c.runArgv(head.slice(at), { bulk: true });
  }],
  ["flock", flock],
  ["watch", watch],
  ["ssh", ssh],
]);
