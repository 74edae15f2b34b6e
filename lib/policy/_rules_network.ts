/** Vocabulary for firewalls and network interfaces. */
import { always, hasOption, hasShort, lower, operands, type Rule, shortLetters } from "./_rule.ts";
import { Tier } from "./tier.ts";

const { STATEFUL: T2, IRREVERSIBLE: T3 } = Tier;

const iptables: Rule = (c) => {
  const letters = shortLetters(c.args);
  const longs = c.args.filter((a) => a.startsWith("--"));
  if (letters.has("F") || letters.has("X") || hasOption(longs, "--flush", "--delete-chain")) {
    return c.add(T3, `${c.name} -F/-X (flushes firewall rules)`);
  }
  const pIndex = c.args.findIndex((a) => a === "-P" || a === "--policy");
  if (pIndex >= 0 && /^(DROP|REJECT)$/i.test(c.args[pIndex + 2] ?? "")) {
    return c.add(T3, `${c.name} -P … DROP (default-deny policy)`);
  }
  const changes = ["A", "I", "D", "R", "N", "E", "P", "Z"].some((l) => letters.has(l)) ||
    hasOption(
      longs,
      "--append",
      "--insert",
      "--delete",
      "--replace",
      "--new-chain",
      "--rename-chain",
      "--policy",
      "--zero",
    );
  if (changes) c.add(T2, `${c.name} (changes firewall rules)`);
};

const nft: Rule = (c) => {
  const ops = lower(operands(c.args, { short: "fIc" }));
  if (ops[0] === "flush") return c.add(T3, "nft flush (drops firewall rules)");
  if ((ops[0] === "delete" || ops[0] === "destroy") && ops[1] === "table") {
    return c.add(T3, "nft delete table (drops firewall rules)");
  }
  if (hasShort(c.args, "f") || hasOption(c.args, "--file")) {
    return c.add(T2, "nft -f (loads firewall rules)");
  }
  if (ops[0] === undefined || ["list", "monitor", "describe", "help"].includes(ops[0])) return;
  c.add(T2, `nft ${ops[0]} (changes firewall rules)`);
};

function isPrefixOf(abbrev: string, ...full: string[]): boolean {
  return abbrev.length > 0 && full.some((f) => f.startsWith(abbrev));
}

const ip: Rule = (c) => {
  const ops = lower(operands(c.args, { short: "nbflr" }));
  const [object = "", verb = "", ...rest] = ops;
  if (hasShort(c.args, "b") || c.args.includes("-batch")) {
    return c.add(T2, "ip -batch (changes network state)");
  }
  if (object === "netns" && verb === "exec") {
    const at = c.args.indexOf("exec");
    return c.run(at + 2);
  }
  if (
    verb === "" ||
    isPrefixOf(verb, "show", "list", "lst", "get", "help", "monitor") && !isPrefixOf(verb, "set")
  ) {
    return;
  }
  if (isPrefixOf(object, "link") && [verb, ...rest].includes("down")) {
    return c.add(T3, "ip link … down (takes an interface down)");
  }
  if ((isPrefixOf(object, "address", "route") && isPrefixOf(verb, "flush"))) {
    return c.add(T3, `ip ${object} flush (removes addresses or routes)`);
  }
  c.add(T2, `ip ${object} ${verb} (changes network state)`);
};

const ifconfig: Rule = (c) => {
  const ops = operands(c.args);
  if (ops.includes("down")) return c.add(T3, "ifconfig … down (takes an interface down)");
  if (ops.length >= 2) c.add(T2, "ifconfig (changes an interface)");
};

const nmcli: Rule = (c) => {
  const a = lower(operands(c.args, { short: "fgmp" }));
  if (
    a.includes("down") || a.includes("disconnect") ||
    (a.includes("off") && (a[0]?.startsWith("n") || a[0]?.startsWith("r")))
  ) {
    return c.add(T3, "nmcli down/off (disconnects the network)");
  }
  if (
    a.some((x) =>
      ["modify", "add", "up", "delete", "reload", "connect", "on", "set", "edit", "import"]
        .includes(x)
    )
  ) {
    c.add(T2, "nmcli (changes network configuration)");
  }
};

/** Firewall and network vocabulary, keyed by command. */
export const NETWORK_RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ["iptables", iptables],
  ["ip6tables", iptables],
  ["iptables-legacy", iptables],
  ["iptables-nft", iptables],
  ["ebtables", iptables],
  ["arptables", iptables],
  [
    "iptables-restore",
    (c) => !hasShort(c.args, "t") && c.add(T2, "iptables-restore (replaces firewall rules)"),
  ],
  [
    "ip6tables-restore",
    (c) => !hasShort(c.args, "t") && c.add(T2, "ip6tables-restore (replaces firewall rules)"),
  ],
  ["nft", nft],
  ["ufw", (c) => {
    const sub = operands(c.args)[0];
    if (sub !== undefined && !["status", "show", "version", "app", "help"].includes(sub)) {
      c.add(T2, `ufw ${sub} (changes the firewall)`);
    }
  }],
  ["firewall-cmd", (c) => {
    if (hasOption(c.args, "--panic-on")) {
      return c.add(T3, "firewall-cmd --panic-on (drops all traffic)");
    }
    const reads = /^--(state|list-|get-|query-|info-|check-|help|version|permanent$|zone=|zone$)/;
    if (c.args.some((a) => a.startsWith("-") && !reads.test(a))) {
      c.add(T2, "firewall-cmd (changes the firewall)");
    }
  }],
  ["ip", ip],
  ["ifconfig", ifconfig],
  ["ifdown", always(T3, "ifdown (takes an interface down)")],
  ["ifup", always(T2, "ifup (changes an interface)")],
  ["nmcli", nmcli],
]);
