/**
 * Windows vocabulary: cmd.exe built-ins and tools, and PowerShell cmdlets. Case-insensitive, and
 * PowerShell parameters match by prefix as PowerShell binds them (`-Rec` is `-Recurse`).
 */
import { always, lower, operands, type Rule } from "./_rule.ts";
import { Tier } from "./tier.ts";

const { STATEFUL: T2, IRREVERSIBLE: T3 } = Tier;

/** True when `arg` is a prefix (of at least `min` letters) of the PowerShell parameter `name`. */
function psParam(arg: string, name: string, min: number): boolean {
  const a = arg.toLowerCase().replace(/:\$?true$/, "");
  if (!a.startsWith("-")) return false;
  const body = a.slice(1);
  return body.length >= min && name.startsWith(body);
}

const removeItem: Rule = (c) => {
  const a = lower(c.args);
  const recurse = c.args.some((x) => psParam(x, "recurse", 1));
  const force = c.args.some((x) => psParam(x, "force", 2));
  const cmdStyle = a.some((x) => x === "/s" || x === "/q" || /^\/[sq]\/[sq]$/.test(x));
  if (recurse || force || cmdStyle) {
    c.add(T3, `${c.name} -Recurse/-Force or /s /q (recursive delete)`);
  }
};

const format: Rule = (c) => {
  if (c.args.some((x) => /^[a-z]:\\?$/i.test(x))) c.add(T3, "format <drive>: (erases a volume)");
};

const bcdedit: Rule = (c) => {
  const a = lower(c.args);
  if (a.length > 0 && a.every((x) => x === "/enum" || x === "/v" || !x.startsWith("/"))) return;
  c.add(T3, "bcdedit (changes boot configuration)");
};

/** `tool <sub>`: Tier 3 and Tier 2 subcommands (lower-case). */
function subs(three: readonly string[], two: readonly string[]): Rule {
  return (c) => {
    const sub = lower(operands(c.args))[0] ?? "";
    if (three.includes(sub)) c.add(T3, `${c.name} ${sub}`);
    else if (two.includes(sub)) c.add(T2, `${c.name} ${sub}`);
  };
}

const vssadmin: Rule = (c) => {
  const a = lower(c.args);
  if (
    (a[0] === "delete" && a[1] === "shadows") || (a[0] === "resize" && a[1] === "shadowstorage")
  ) {
    c.add(T3, `vssadmin ${a[0]} ${a[1]} (deletes shadow copies)`);
  }
};

const wmic: Rule = (c) => {
  const a = lower(c.args);
  if (a.includes("delete")) return c.add(T3, "wmic … delete");
  if (a.includes("call")) c.add(T2, "wmic … call (changes system state)");
};

const net: Rule = (c) => {
  const a = lower(c.args);
  const [sub = ""] = a;
  if (["stop", "start", "pause", "continue"].includes(sub)) {
    return c.add(T2, `net ${sub} (changes services)`);
  }
  if (["user", "localgroup", "group"].includes(sub)) {
    if (a.includes("/delete") || a.includes("/del")) {
      return c.add(T3, `net ${sub} /delete (deletes accounts)`);
    }
    if (a.length > 2 || a.includes("/add")) c.add(T2, `net ${sub} (changes accounts)`);
    return;
  }
  if (sub === "share" && (a.includes("/delete") || a.length > 2)) {
    c.add(T2, "net share (changes shares)");
  }
};

const netsh: Rule = (c) => {
  const a = lower(c.args);
  if (a.some((x) => x === "disable" || x === "disabled" || x === "admin=disabled")) {
    return c.add(T3, "netsh … disable (takes an interface or firewall down)");
  }
  if (a.includes("show") || a.includes("dump")) return;
  if (a.includes("advfirewall") || a.includes("firewall")) {
    return c.add(T2, "netsh advfirewall (changes the firewall)");
  }
  if (a.some((x) => ["set", "add", "delete", "reset"].includes(x))) {
    c.add(T2, "netsh (changes network configuration)");
  }
};

const schtasks: Rule = (c) => {
  const a = lower(c.args);
  if (a.some((x) => ["/create", "/delete", "/change", "/run", "/end"].includes(x))) {
    c.add(T2, "schtasks (changes scheduled tasks)");
  }
};

const icacls: Rule = (c) => {
  const a = lower(c.args);
  if (
    a.some((x) =>
      /^\/(grant|deny|remove|reset|setowner|inheritance|restore|setintegritylevel)/.test(x)
    )
  ) {
    c.add(T2, "icacls (changes permissions)");
  }
};

const startProcess: Rule = (c) => {
  const i = c.args.findIndex((x) => psParam(x, "verb", 1));
  if (i >= 0 && (c.args[i + 1] ?? "").toLowerCase() === "runas") {
    c.add(T2, "privilege escalation (Start-Process -Verb RunAs)");
  }
};

const invokeExpression: Rule = (c) => {
  c.add(T2, `${c.name} (runs generated code)`);
  c.code(c.args.join(" "));
};

const pwsh: Rule = (c) => {
  for (let i = 0; i < c.args.length; i++) {
    const a = c.args[i];
    if (psParam(a, "encodedcommand", 1) || psParam(a, "ec", 2)) {
      return c.add(T2, `${c.name} -EncodedCommand (hidden code)`);
    }
    if (psParam(a, "file", 1)) return;
    if (psParam(a, "command", 1)) return c.code(c.args.slice(i + 1).join(" "));
    if (!a.startsWith("-")) return c.code(c.args.slice(i).join(" "));
    if (
      psParam(a, "executionpolicy", 2) || psParam(a, "workingdirectory", 1) ||
      psParam(a, "configurationname", 2)
    ) i++;
  }
  c.readsStdinCode();
};

const cmd: Rule = (c) => {
  const i = c.args.findIndex((a) => /^\/[ck]/i.test(a));
  if (i < 0) return c.readsStdinCode();
  const glued = c.args[i].slice(2);
  c.code([glued, ...c.args.slice(i + 1)].join(" "));
};

const T3_CMDLETS = [
  "clear-disk",
  "format-volume",
  "initialize-disk",
  "stop-computer",
  "restart-computer",
  "remove-service",
  "remove-localuser",
  "remove-localgroup",
  "clear-eventlog",
  "remove-eventlog",
  "remove-partition",
  "clear-recyclebin",
  "remove-aduser",
  "remove-adgroup",
  "remove-adcomputer",
  "remove-adobject",
  "remove-vm",
  "disable-netadapter",
  "diskpart",
];
const T2_CMDLETS = [
  "stop-service",
  "start-service",
  "restart-service",
  "set-service",
  "new-service",
  "suspend-service",
  "install-module",
  "uninstall-module",
  "update-module",
  "install-package",
  "uninstall-package",
  "install-script",
  "uninstall-script",
  "remove-netfirewallrule",
  "disable-netfirewallrule",
  "enable-netfirewallrule",
  "set-netfirewallrule",
  "new-netfirewallrule",
  "copy-netfirewallrule",
  "set-netfirewallprofile",
  "new-localuser",
  "set-localuser",
  "disable-localuser",
  "enable-localuser",
  "add-localgroupmember",
  "remove-localgroupmember",
  "register-scheduledtask",
  "unregister-scheduledtask",
  "set-scheduledtask",
  "disable-scheduledtask",
  "set-executionpolicy",
  "stop-process",
  "taskkill",
  "takeown",
  "set-acl",
  "set-itemproperty",
  "new-itemproperty",
  "remove-itemproperty",
  "clear-content",
  "add-windowsfeature",
  "install-windowsfeature",
  "uninstall-windowsfeature",
  "enable-windowsoptionalfeature",
  "disable-windowsoptionalfeature",
];

/** Windows and PowerShell vocabulary, keyed by lower-case command. */
export const WINDOWS_RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ...T3_CMDLETS.map((n): [string, Rule] => [n, always(T3, `${n} (irreversible)`)]),
  ...T2_CMDLETS.map((n): [string, Rule] => [n, always(T2, `${n} (changes system state)`)]),
  [
    "cipher",
    (c) =>
      lower(c.args).some((a) => a.startsWith("/w")) && c.add(T3, "cipher /w (wipes free space)"),
  ],
  ["remove-item", removeItem],
  ["ri", removeItem],
  ["del", removeItem],
  ["erase", removeItem],
  ["rd", removeItem],
  ["rmdir", removeItem],
  ["format", format],
  ["bcdedit", bcdedit],
  ["vssadmin", vssadmin],
  ["wmic", wmic],
  ["reg", subs(["delete"], ["add", "import", "load", "unload", "restore", "copy"])],
  [
    "sc",
    subs(["delete"], [
      "stop",
      "start",
      "config",
      "create",
      "failure",
      "pause",
      "continue",
      "sdset",
      "control",
    ]),
  ],
  [
    "wevtutil",
    subs(["cl", "clear-log"], [
      "sl",
      "set-log",
      "im",
      "install-manifest",
      "um",
      "uninstall-manifest",
    ]),
  ],
  ["net", net],
  ["net1", net],
  ["netsh", netsh],
  ["choco", subs([], ["install", "uninstall", "upgrade", "update"])],
  ["winget", subs([], ["install", "uninstall", "upgrade", "remove", "add"])],
  ["scoop", subs([], ["install", "uninstall", "update", "reset"])],
  ["schtasks", schtasks],
  ["icacls", icacls],
  ["start-process", startProcess],
  ["invoke-expression", invokeExpression],
  ["iex", invokeExpression],
  ["pwsh", pwsh],
  ["powershell", pwsh],
  ["cmd", cmd],
]);

/** True for a PowerShell-style `Verb-Noun` name or a pipeline alias whose `{ … }` block hides commands. */
export function isPowerShellBlockHost(key: string): boolean {
  return /^[a-z]+-[a-z]+$/.test(key) ||
    ["%", "?", "foreach", "where", "invoke-command", "icm"].includes(key);
}
