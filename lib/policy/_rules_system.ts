/**
 * Vocabulary for the running system: power, services, processes, accounts, firewall, network,
 * mounts, kernel settings and scheduled jobs.
 */
import {
  always,
  anyOf,
  hasOption,
  hasShort,
  lower,
  operands,
  type Rule,
  setOf,
  shortLetters,
} from "./_rule.ts";
import { Tier } from "./tier.ts";

const { STATEFUL: T2, IRREVERSIBLE: T3 } = Tier;

const shutdown: Rule = (c) => {
  const a = lower(c.args);
  if (a.includes("-c") || a.includes("/a") || a.includes("--help")) return;
  c.add(T3, `${c.name} (power off or reboot)`);
};

const init: Rule = (c) => {
  const level = c.args.find((a) => !a.startsWith("-"));
  if (level === undefined) return;
  if (/^[016sS]$/.test(level)) c.add(T3, `${c.name} ${level} (halt, reboot or single-user)`);
  else c.add(T2, `${c.name} ${level} (changes runlevel)`);
};

const SYSTEMCTL_READS = setOf(
  "status show cat is-active is-enabled is-failed is-system-running help get-default show-environment list-units list-unit-files list-sockets list-timers list-jobs list-dependencies list-machines list-automounts list-paths",
);
const SYSTEMCTL_POWER = setOf("reboot poweroff halt kexec emergency rescue soft-reboot");
const systemctl: Rule = (c) => {
  const ops = operands(c.args, {
    short: "HMtpPnosS",
    long: [
      "--host",
      "--machine",
      "--type",
      "--property",
      "--signal",
      "--state",
      "--output",
      "--lines",
      "--root",
    ],
  });
  const sub = ops[0];
  if (sub === undefined || SYSTEMCTL_READS.has(sub) || sub.startsWith("list-")) return;
  if (SYSTEMCTL_POWER.has(sub)) return c.add(T3, `systemctl ${sub} (power off or reboot)`);
  if (
    sub === "isolate" &&
    /^(rescue|emergency|poweroff|reboot|halt|kexec|shutdown)(\.target)?$/.test(ops[1] ?? "")
  ) {
    return c.add(T3, `systemctl isolate ${ops[1]} (takes the system down)`);
  }
  c.add(T2, `systemctl ${sub} (changes service state)`);
};

const service: Rule = (c) => {
  const ops = operands(c.args);
  const action = ops[1];
  if (action === undefined || action === "status") return;
  c.add(T2, `${c.name} ${ops[0]} ${action} (changes service state)`);
};

const kill: Rule = (c) => {
  let signalSeen = false;
  let signal = "";
  const pids: string[] = [];
  for (let i = 0; i < c.args.length; i++) {
    const a = c.args[i];
    if (a === "--") {
      pids.push(...c.args.slice(i + 1));
      break;
    }
    if (a === "-l" || a === "-L" || a === "--list" || a === "--table") return;
    if (a === "-s" || a === "-n" || a === "--signal") {
      signal = c.args[++i] ?? "";
      signalSeen = true;
    } else if (a.startsWith("-") && !signalSeen && c.name === "kill") {
      signal = a.slice(1);
      signalSeen = true;
    } else pids.push(a);
  }
  if (c.name === "kill" && /^(0|sig0)$/i.test(signal)) return;
  if (c.name === "kill" && pids.includes("-1")) return c.add(T3, "kill -1 (signals every process)");
  c.add(T2, `${c.name} (stops processes)`);
};

const passwd: Rule = (c) => {
  if (hasShort(c.args, "S") || hasOption(c.args, "--status")) return;
  if (c.args.length === 0) return c.add(T2, "passwd (changes the own password)");
  c.add(T3, "passwd <user> (changes, locks or deletes a password)");
};

const gpasswd: Rule = (c) => {
  if (hasShort(c.args, "aA") && !hasShort(c.args, "drRM")) {
    return c.add(T2, "gpasswd (changes group membership)");
  }
  c.add(T3, "gpasswd (changes group membership or password)");
};

const mount: Rule = (c) => {
  if (
    c.name === "mount" &&
    (c.args.length === 0 || anyOf(c.args, ["-l", "--list", "-V", "--version", "-h", "--help"]))
  ) return;
  if (
    c.name.startsWith("swapo") &&
    (hasShort(c.args, "s") || hasOption(c.args, "--show", "--summary"))
  ) return;
  if (
    c.name === "losetup" &&
    (c.args.length === 0 || hasShort(c.args, "al") || hasOption(c.args, "--all", "--list"))
  ) return;
  c.add(T2, `${c.name} (changes mounts or swap)`);
};

const sysctl: Rule = (c) => {
  if (
    hasShort(c.args, "wp") || hasOption(c.args, "--write", "--load", "--system") ||
    c.args.some((a) => !a.startsWith("-") && a.includes("="))
  ) {
    c.add(T2, "sysctl -w (changes kernel parameters)");
  }
};

const crontab: Rule = (c) => {
  const letters = shortLetters(c.args.filter((_a, i) => c.args[i - 1] !== "-u"));
  if (letters.has("l") && !letters.has("r")) return;
  if (letters.has("r")) return c.add(T3, "crontab -r (deletes the crontab)");
  c.add(T2, "crontab (changes scheduled jobs)");
};

const journalctl: Rule = (c) => {
  if (c.args.some((a) => a.startsWith("--vacuum-"))) {
    return c.add(T3, "journalctl --vacuum (deletes logs)");
  }
  if (hasOption(c.args, "--rotate", "--flush", "--sync", "--relinquish-var", "--setup-keys")) {
    c.add(T2, "journalctl (changes the journal)");
  }
};

const modprobe: Rule = (c) => {
  if (
    c.name === "modprobe" &&
    (hasShort(c.args, "nc") || hasOption(c.args, "--dry-run", "--show-depends", "--showconfig"))
  ) return;
  if (c.args.length > 0) c.add(T2, `${c.name} (changes kernel modules)`);
};

const setter: Rule = (c) => {
  const sub = operands(c.args)[0];
  if (
    sub !== undefined &&
    (sub.startsWith("set-") || sub === "hostname" && operands(c.args).length > 1)
  ) {
    c.add(T2, `${c.name} ${sub} (changes system settings)`);
  }
};

const hostnameRule: Rule = (c) => {
  if (operands(c.args, { short: "F" }).length > 0 || hasShort(c.args, "Fb")) {
    c.add(T2, "hostname (renames the host)");
  }
};

const clock: Rule = (c) => {
  if (
    hasShort(c.args, c.name === "date" ? "s" : "sw") ||
    hasOption(c.args, "--set", "--systohc", "--hctosys", "--adjust")
  ) {
    c.add(T2, `${c.name} (sets the clock)`);
  }
};

const at: Rule = (c) => {
  if (c.name === "at" && (hasShort(c.args, "lc") || hasOption(c.args, "--list"))) return;
  c.add(T2, `${c.name} (schedules or removes jobs)`);
  c.readsStdinCode();
  for (const feed of c.feeds) c.script(feed);
};

/** System vocabulary, keyed by command. */
export const SYSTEM_RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ["shutdown", shutdown],
  ["reboot", shutdown],
  ["halt", shutdown],
  ["poweroff", shutdown],
  [
    "kexec",
    (c) =>
      c.add(
        hasShort(c.args, "e") || hasOption(c.args, "--exec") ? T3 : T2,
        "kexec (boots another kernel)",
      ),
  ],
  ["init", init],
  ["telinit", init],
  ["systemctl", systemctl],
  ["service", service],
  ["invoke-rc.d", service],
  ["rc-service", service],
  ["update-rc.d", always(T2, "update-rc.d (changes boot services)")],
  [
    "chkconfig",
    (c) =>
      c.args.some((a) =>
        a === "on" || a === "off" || a.startsWith("--add") || a.startsWith("--del")
      ) && c.add(T2, "chkconfig (changes boot services)"),
  ],
  [
    "rc-update",
    (c) =>
      c.args.some((a) => ["add", "del", "delete"].includes(a)) &&
      c.add(T2, "rc-update (changes boot services)"),
  ],
  ["kill", kill],
  ["pkill", kill],
  ["killall", kill],
  ["skill", kill],
  ["xkill", kill],
  ["killall5", always(T3, "killall5 (signals every process)")],
  ["userdel", always(T3, "userdel (deletes an account)")],
  ["deluser", always(T3, "deluser (deletes an account)")],
  ["delgroup", always(T3, "delgroup (deletes a group)")],
  ["groupdel", always(T3, "groupdel (deletes a group)")],
  ["chpasswd", always(T3, "chpasswd (replaces passwords)")],
  ["passwd", passwd],
  ["gpasswd", gpasswd],
  ["useradd", always(T2, "useradd (creates an account)")],
  ["adduser", always(T2, "adduser (creates an account)")],
  ["usermod", always(T2, "usermod (changes an account)")],
  ["groupadd", always(T2, "groupadd (creates a group)")],
  ["addgroup", always(T2, "addgroup (creates a group)")],
  ["groupmod", always(T2, "groupmod (changes a group)")],
  ["newusers", always(T2, "newusers (creates accounts)")],
  ["chage", (c) => !hasShort(c.args, "l") && c.add(T2, "chage (changes password ageing)")],
  ["chsh", always(T2, "chsh (changes a login shell)")],
  ["vipw", always(T2, "vipw (edits the password file)")],
  ["vigr", always(T2, "vigr (edits the group file)")],
  ["visudo", (c) => !hasShort(c.args, "c") && c.add(T2, "visudo (edits sudoers)")],
  ["mount", mount],
  ["umount", mount],
  ["swapon", mount],
  ["swapoff", mount],
  ["losetup", mount],
  ["fsck", always(T2, "fsck (repairs a filesystem)")],
  ["e2fsck", always(T2, "e2fsck (repairs a filesystem)")],
  ["xfs_repair", always(T2, "xfs_repair (repairs a filesystem)")],
  ["tune2fs", (c) => !hasShort(c.args, "l") && c.add(T2, "tune2fs (changes a filesystem)")],
  ["resize2fs", always(T2, "resize2fs (resizes a filesystem)")],
  ["sysctl", sysctl],
  ["setcap", always(T2, "setcap (grants capabilities)")],
  ["setenforce", always(T2, "setenforce (changes SELinux enforcement)")],
  ["crontab", crontab],
  ["at", at],
  ["batch", at],
  ["atrm", always(T2, "atrm (removes scheduled jobs)")],
  ["journalctl", journalctl],
  ["modprobe", modprobe],
  ["insmod", modprobe],
  ["rmmod", modprobe],
  [
    "update-alternatives",
    (c) =>
      hasOption(
        c.args,
        "--set",
        "--install",
        "--remove",
        "--remove-all",
        "--config",
        "--auto",
        "--all",
      ) && c.add(T2, "update-alternatives (changes system defaults)"),
  ],
  ["update-grub", always(T2, "update-grub (changes the boot loader)")],
  ["grub-install", always(T2, "grub-install (writes the boot loader)")],
  ["grub2-install", always(T2, "grub2-install (writes the boot loader)")],
  [
    "grub-mkconfig",
    (c) => hasShort(c.args, "o") && c.add(T2, "grub-mkconfig -o (changes the boot loader)"),
  ],
  [
    "efibootmgr",
    (c) =>
      c.args.some((a) => a.startsWith("-") && !["-v", "--verbose", "-q", "--quiet"].includes(a)) &&
      c.add(T2, "efibootmgr (changes boot entries)"),
  ],
  ["hostnamectl", setter],
  ["timedatectl", setter],
  ["localectl", setter],
  ["hostname", hostnameRule],
  ["date", clock],
  ["hwclock", clock],
  ["ssh-copy-id", always(T2, "ssh-copy-id (installs an authorized key)")],
]);
