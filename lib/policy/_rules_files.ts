/**
 * Vocabulary for files, disks and storage: deletes, device writes, partitioning, permissions,
 * in-place edits and copies into system paths.
 */
import { always, hasOption, hasShort, lower, operands, type Rule, setOf, writes } from "./_rule.ts";
import { deviceWriteHit, isSystemPath, normalisePath, writeTargetHit } from "./_targets.ts";
import { Tier } from "./tier.ts";

const { STATEFUL: T2, IRREVERSIBLE: T3 } = Tier;

const rm: Rule = (c) => {
  const end = c.args.indexOf("--");
  const options = end < 0 ? c.args : c.args.slice(0, end);
  const recursiveOrForce = options.some((a) =>
    (a.length > 1 && a[0] === "-" && a[1] !== "-" && /[rRf]/.test(a)) ||
    /^--(recursive|force|no-preserve-root)$/.test(a)
  );
  if (recursiveOrForce) c.add(T3, "rm -r/-f (recursive or forced delete)");
  if (c.bulk) c.add(T3, "rm run per input item (bulk delete)");
};

const dd: Rule = (c) => {
  for (const a of c.args) {
    if (a.startsWith("of=")) {
      const hit = deviceWriteHit(a.slice(3), c.name);
      if (hit) c.add(hit[0], hit[1]);
    }
  }
};

const partitioner = (reads: readonly string[]): Rule => (c) => {
  const listing = c.args.some((a) => reads.includes(a)) &&
    c.args.every((a) => !a.startsWith("-") || reads.includes(a));
  if (!listing) c.add(T3, `${c.name} (rewrites partition tables)`);
};

const PARTED_CHANGES = setOf(
  "mklabel mktable mkpart mkpartfs rm resizepart resize rescue mkfs move cp set toggle name disk_set disk_toggle type",
);
const parted: Rule = (c) => {
  const a = lower(c.args);
  const reads = ["-l", "--list", "print", "p", "-v", "--version", "-h", "--help"];
  if (!a.some((x) => PARTED_CHANGES.has(x)) && a.some((x) => reads.includes(x))) return;
  c.add(T3, "parted (rewrites partition tables)");
};

const wipefs: Rule = (c) => {
  if (hasOption(c.args, "--no-act") || hasShort(c.args, "n")) return;
  if (hasShort(c.args, "ao") || hasOption(c.args, "--all", "--offset")) {
    c.add(T3, "wipefs (erases filesystem signatures)");
  }
};

const permissions: Rule = (c) => {
  const recursive = hasShort(c.args, "R") || hasOption(c.args, "--recursive");
  const targets = operands(c.args).slice(
    c.name === "setfacl" || hasOption(c.args, "--reference") ? 0 : 1,
  );
  const root = targets.some((t) => normalisePath(t) === "/");
  if (recursive && root) {
    return c.add(
      T3,
      `${c.name} -R on / (rewrites every file's ${c.name === "chmod" ? "mode" : "owner"})`,
    );
  }
  if (c.name === "chown" || c.name === "chgrp") return c.add(T2, `${c.name} (changes ownership)`);
  if (recursive) return c.add(T2, `${c.name} -R (recursive permission change)`);
  if (targets.some(isSystemPath)) c.add(T2, `${c.name} on a system path`);
};

const ln: Rule = (c) => {
  if (hasShort(c.args, "s") || hasOption(c.args, "--symbolic")) {
    c.add(T2, "ln -s (creates a symbolic link)");
  }
  const ops = operands(c.args, { short: "St", long: ["--suffix", "--target-directory"] });
  writes(c, ops.slice(-1));
};

const copyLike: Rule = (c) => {
  const spec = {
    short: "tSgmoZ",
    long: ["--target-directory", "--suffix", "--group", "--mode", "--owner"],
  };
  const ops = operands(c.args, spec);
  const tIndex = c.args.findIndex((a) => a === "-t" || a === "--target-directory");
  const targetOpt = c.args.find((a) => a.startsWith("--target-directory="))?.slice(20);
  const dest = tIndex >= 0
    ? c.args[tIndex + 1]
    : targetOpt ?? (ops.length >= 2 ? ops[ops.length - 1] : undefined);
  if (dest !== undefined) {
    const hit = c.name === "mv" || c.name === "cp" || c.name === "install"
      ? writeTargetHit(dest) ??
        (normalisePath(dest) === "/" ? [T2, `${c.name} into /`] as const : undefined)
      : writeTargetHit(dest);
    if (hit) c.add(hit[0], hit[1]);
  }
  if (c.name === "mv" && ops.slice(0, -1).some(isSystemPath)) c.add(T2, "mv of a system path");
};

const rsync: Rule = (c) => {
  if (c.args.some((a) => a.startsWith("--delete") || a.startsWith("--remove-source-files"))) {
    c.add(T2, "rsync --delete (removes files at the destination)");
  }
  const ops = operands(c.args, {
    short: "eTfB",
    long: ["--rsh", "--temp-dir", "--filter", "--exclude", "--include"],
  });
  if (ops.length >= 2) writes(c, [ops[ops.length - 1].replace(/^[^/]*:/, "")]);
};

const sed: Rule = (c) => {
  const inPlace = c.args.some((a, i) =>
    (a.length > 1 && a[0] === "-" && a[1] !== "-" && a.slice(1).includes("i") &&
      !["-e", "-f"].includes(c.args[i - 1] ?? "")) ||
    a === "--in-place" || a.startsWith("--in-place=")
  );
  if (inPlace) c.add(T2, "sed -i (edits files in place)");
};

const tee: Rule = (c) => writes(c, operands(c.args));

const truncate: Rule = (c) => {
  c.add(T2, "truncate (shrinks or empties files)");
  for (
    const p of operands(c.args, { short: "sro", long: ["--size", "--reference", "--io-blocks"] })
  ) {
    const hit = writeTargetHit(p);
    if (hit) c.add(hit[0], hit[1]);
  }
};

const downloads: Rule = (c) => {
  const flag = c.name === "wget" ? ["-O", "--output-document"] : ["-o", "--output"];
  c.args.forEach((a, i) => {
    if (flag.includes(a)) writes(c, [c.args[i + 1] ?? ""]);
    else if (a.startsWith(flag[1] + "=")) writes(c, [a.slice(flag[1].length + 1)]);
  });
};

const cryptsetup: Rule = (c) => {
  const sub = lower(operands(c.args, { short: "cdhsSkK" }))[0] ?? "";
  if (
    ["luksformat", "erase", "lukserase", "lukskillslot", "luksremovekey", "reencrypt"].includes(sub)
  ) {
    return c.add(T3, `cryptsetup ${sub} (destroys encryption keys or data)`);
  }
  if (
    sub &&
    !["status", "luksdump", "isluks", "luksuuid", "benchmark", "tcryptdump", "bitlkdump", "help"]
      .includes(sub)
  ) {
    c.add(T2, `cryptsetup ${sub} (changes encrypted volumes)`);
  }
};

const zfsLike = (destroy: readonly string[], reads: readonly string[]): Rule => (c) => {
  const ops = operands(c.args, { short: "ootpS" });
  const sub = ops[0] ?? "";
  const sub2 = `${sub} ${ops[1] ?? ""}`;
  if (destroy.includes(sub) || destroy.includes(sub2)) {
    return c.add(T3, `${c.name} ${sub} (destroys data)`);
  }
  if (sub && !reads.includes(sub)) c.add(T2, `${c.name} ${sub} (changes storage)`);
};

const lvm = (tier: Tier): Rule => (c) =>
  c.add(tier, `${c.name} (${tier === T3 ? "removes" : "changes"} LVM volumes)`);

const nvme: Rule = (c) => {
  const sub = operands(c.args)[0] ?? "";
  if (["format", "sanitize", "delete-ns", "detach-ns"].includes(sub)) {
    c.add(T3, `nvme ${sub} (erases a drive)`);
  } else if (
    ["set-feature", "create-ns", "attach-ns", "fw-download", "fw-commit", "reset"].includes(sub)
  ) {
    c.add(T2, `nvme ${sub} (changes a drive)`);
  }
};

const hdparm: Rule = (c) => {
  if (
    c.args.some((a) =>
      /^--(security-erase|trim-sector-ranges|write-sector|make-bad-sector|fwdownload)/.test(a)
    )
  ) {
    c.add(T3, "hdparm (erases or overwrites sectors)");
  }
};

const findRule: Rule = (c) => {
  for (let i = 0; i < c.args.length; i++) {
    const a = c.args[i];
    if (a === "-delete") c.add(T3, "find -delete (bulk delete)");
    if (["-exec", "-execdir", "-ok", "-okdir"].includes(a)) {
      let end = i + 1;
      while (end < c.args.length && c.args[end] !== ";" && c.args[end] !== "+") end++;
      c.runArgv(c.args.slice(i + 1, end), { bulk: true });
      i = end;
    }
  }
};

const fd: Rule = (c) => {
  const at = c.args.findIndex((a) => ["-x", "--exec", "-X", "--exec-batch"].includes(a));
  if (at >= 0) c.run(at + 1, { bulk: true });
};

/** File, disk and storage vocabulary, keyed by command. */
export const FILE_RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ["rm", rm],
  ["unlink", (c) => c.bulk && c.add(T3, "unlink run per input item (bulk delete)")],
  ["shred", always(T3, "shred (overwrites data)")],
  ["srm", always(T3, "srm (secure delete)")],
  ["wipe", always(T3, "wipe (overwrites data)")],
  ["mkfs", always(T3, "mkfs (creates a filesystem, destroying data)")],
  ["mke2fs", always(T3, "mke2fs (creates a filesystem, destroying data)")],
  ["mkdosfs", always(T3, "mkdosfs (creates a filesystem, destroying data)")],
  ["mkntfs", always(T3, "mkntfs (creates a filesystem, destroying data)")],
  ["mkswap", always(T3, "mkswap (overwrites a device)")],
  ["fdisk", partitioner(["-l", "--list", "-h", "--help", "-V", "--version"])],
  ["gdisk", partitioner(["-l", "-h", "--help", "-V", "--version"])],
  [
    "sfdisk",
    partitioner([
      "-l",
      "--list",
      "-d",
      "--dump",
      "-s",
      "--show-size",
      "-V",
      "--verify",
      "-J",
      "--json",
      "-g",
      "--show-geometry",
      "-F",
      "--list-free",
      "-h",
      "--help",
      "-v",
      "--version",
      "-r",
      "--raw",
    ]),
  ],
  [
    "sgdisk",
    partitioner([
      "-p",
      "--print",
      "-v",
      "--verify",
      "-i",
      "--info",
      "-O",
      "--print-mbr",
      "-L",
      "--list-types",
      "-?",
      "--help",
      "-V",
      "--version",
    ]),
  ],
  ["cfdisk", always(T3, "cfdisk (rewrites partition tables)")],
  ["parted", parted],
  ["wipefs", wipefs],
  ["dd", dd],
  ["dcfldd", dd],
  ["ddrescue", (c) => {
    const out = operands(c.args)[1];
    const hit = out === undefined ? undefined : deviceWriteHit(out, "ddrescue");
    if (hit) c.add(hit[0], hit[1]);
  }],
  ["blkdiscard", always(T3, "blkdiscard (discards every block)")],
  ["nvme", nvme],
  ["hdparm", hdparm],
  ["cryptsetup", cryptsetup],
  ["lvremove", lvm(T3)],
  ["vgremove", lvm(T3)],
  ["pvremove", lvm(T3)],
  ["lvreduce", lvm(T3)],
  ["lvcreate", lvm(T2)],
  ["lvextend", lvm(T2)],
  ["lvresize", lvm(T2)],
  ["vgcreate", lvm(T2)],
  ["vgextend", lvm(T2)],
  ["vgreduce", lvm(T2)],
  ["pvcreate", lvm(T2)],
  [
    "zfs",
    zfsLike(["destroy", "rollback"], [
      "list",
      "get",
      "help",
      "version",
      "diff",
      "holds",
      "userspace",
      "groupspace",
      "projectspace",
      "program",
    ]),
  ],
  [
    "zpool",
    zfsLike(["destroy", "labelclear"], [
      "list",
      "get",
      "status",
      "iostat",
      "history",
      "events",
      "help",
      "version",
      "wait",
    ]),
  ],
  [
    "btrfs",
    zfsLike(["subvolume delete", "subvolume del", "device delete", "device remove"], [
      "filesystem",
      "inspect-internal",
      "help",
      "version",
      "scrub",
    ]),
  ],
  ["chmod", permissions],
  ["chown", permissions],
  ["chgrp", permissions],
  ["setfacl", permissions],
  ["chattr", always(T2, "chattr (changes file attributes)")],
  ["ln", ln],
  ["mv", copyLike],
  ["cp", copyLike],
  ["install", copyLike],
  ["rsync", rsync],
  ["sed", sed],
  ["tee", tee],
  ["truncate", truncate],
  ["curl", downloads],
  ["wget", downloads],
  ["find", findRule],
  ["fd", fd],
  ["fdfind", fd],
]);

/** `mkfs.ext4`, `mkfs.xfs` … share the mkfs rule. */
export function fileFamily(key: string): Rule | undefined {
  if (/^mkfs\.[a-z0-9]+$/.test(key) || /^mkfs_/.test(key)) return FILE_RULES.get("mkfs");
  return undefined;
}
