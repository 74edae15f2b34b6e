/** Vocabulary for package managers: installs, removals and upgrades are Tier 2. */
import { hasOption, hasShort, operands, type Rule, setOf, shortLetters } from "./_rule.ts";
import { Tier } from "./tier.ts";

const { STATEFUL: T2 } = Tier;

/** A rule for `tool <subcommand>` where the listed subcommands change installed software. */
function subcommands(changes: string, value = ""): Rule {
  const set = setOf(changes);
  return (c) => {
    const ops = operands(c.args, { short: value });
    const sub = ops[0] ?? "";
    const pair = `${sub}:${ops[1] ?? ""}`;
    if (set.has(sub) || set.has(pair)) {
      c.add(
        T2,
        `${c.name} ${set.has(pair) ? pair.replace(":", " ") : sub} (changes installed software)`,
      );
    }
  };
}

const APT =
  "install remove purge upgrade dist-upgrade full-upgrade safe-upgrade autoremove autopurge " +
  "build-dep reinstall markauto unmarkauto hold unhold";
const YUM =
  "install in localinstall remove rm erase upgrade up update upgrade-minimal downgrade reinstall " +
  "autoremove distro-sync dist-upgrade dup swap groupinstall groupremove groupupdate patch addrepo ar " +
  "removerepo rr group:install group:remove module:install module:enable module:disable " +
  "module:reset history:undo history:rollback";
const NODE =
  "install i in ins inst insta instal isnt isnta isntal add ci clean-install ic install-clean " +
  "install-ci-test cit install-test it remove rm r un uninstall unlink update up upgrade udpate link ln " +
  "publish unpublish dedupe ddp prune rebuild";

const dpkg: Rule = (c) => {
  const letters = shortLetters(c.args);
  const change = ["i", "r", "P"].some((l) => letters.has(l)) ||
    hasOption(
      c.args,
      "--install",
      "--remove",
      "--purge",
      "--unpack",
      "--configure",
      "--set-selections",
      "--clear-selections",
      "--add-architecture",
      "--remove-architecture",
    );
  if (change) c.add(T2, "dpkg -i/-r/-P (changes installed software)");
};

const rpm: Rule = (c) => {
  const letters = shortLetters(c.args);
  if (letters.has("q")) return;
  const change = ["i", "U", "F", "e"].some((l) => letters.has(l)) ||
    hasOption(
      c.args,
      "--install",
      "--upgrade",
      "--freshen",
      "--erase",
      "--import",
      "--rebuilddb",
      "--initdb",
    );
  if (change) c.add(T2, "rpm -i/-U/-e (changes installed software)");
};

const pacman: Rule = (c) => {
  if (c.args.length === 0) {
    if (c.name !== "pacman") c.add(T2, `${c.name} (upgrades the system)`);
    return;
  }
  const op = c.args.find((a) => /^-[A-Z]/.test(a)) ?? "";
  const letters = new Set(op.slice(1));
  const long = (n: string) => hasOption(c.args, n);
  if (
    letters.has("R") || letters.has("U") || letters.has("D") || long("--remove") ||
    long("--upgrade") || long("--database")
  ) {
    return c.add(T2, `${c.name} ${op} (changes installed software)`);
  }
  if (letters.has("S") || long("--sync")) {
    const query = ["s", "i", "l", "g", "p"].some((l) => letters.has(l));
    const refresh = letters.has("y") || letters.has("u");
    if (!query || refresh) c.add(T2, `${c.name} ${op} (changes installed software)`);
    return;
  }
  if (letters.has("F") && letters.has("y")) c.add(T2, `${c.name} -Fy (refreshes file databases)`);
};

const nix: Rule = (c) => {
  if (c.name === "nix-env") {
    if (
      hasShort(c.args, "ieu") ||
      hasOption(
        c.args,
        "--install",
        "--uninstall",
        "--upgrade",
        "--set",
        "--rollback",
        "--delete-generations",
      )
    ) {
      c.add(T2, "nix-env (changes installed software)");
    }
    return;
  }
  const [group = "", verb = ""] = operands(c.args);
  if (
    group === "profile" &&
    ["install", "add", "remove", "upgrade", "rollback", "wipe-history"].includes(verb)
  ) {
    c.add(T2, `nix profile ${verb} (changes installed software)`);
  }
};

/** Package-manager vocabulary, keyed by command. */
export const PACKAGE_RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ["apt", subcommands(APT, "oct")],
  ["apt-get", subcommands(APT, "oct")],
  ["aptitude", subcommands(APT, "oct")],
  ["apt-fast", subcommands(APT, "oct")],
  ["nala", subcommands(APT, "oct")],
  ["apt-mark", subcommands("hold unhold auto manual minimize-manual")],
  ["dpkg", dpkg],
  ["dpkg-reconfigure", (c) => c.add(T2, "dpkg-reconfigure (changes package configuration)")],
  ["rpm", rpm],
  ["yum", subcommands(YUM, "cRx")],
  ["dnf", subcommands(YUM, "cRx")],
  ["dnf5", subcommands(YUM, "cRx")],
  ["microdnf", subcommands(YUM, "cRx")],
  ["tdnf", subcommands(YUM, "cRx")],
  ["zypper", subcommands(YUM, "cRx")],
  ["pacman", pacman],
  ["yay", pacman],
  ["paru", pacman],
  ["apk", subcommands("add del upgrade fix")],
  [
    "snap",
    subcommands(
      "install remove refresh revert disable enable set unset connect disconnect switch restart stop start alias unalias prefer",
    ),
  ],
  [
    "flatpak",
    subcommands(
      "install uninstall remove update upgrade override remote-add remote-delete mask pin repair",
    ),
  ],
  [
    "brew",
    subcommands(
      "install reinstall uninstall remove rm upgrade link unlink tap untap cleanup pin unpin autoremove services:start services:stop services:restart services:run services:kill",
    ),
  ],
  ["port", subcommands("install uninstall upgrade activate deactivate selfupdate")],
  ["nix-env", nix],
  ["nix", nix],
  [
    "nix-channel",
    (c) =>
      hasOption(c.args, "--update", "--add", "--remove", "--rollback") &&
      c.add(T2, "nix-channel (changes channels)"),
  ],
  ["pip", subcommands("install uninstall")],
  [
    "pipx",
    subcommands(
      "install uninstall upgrade upgrade-all reinstall reinstall-all inject uninject uninstall-all",
    ),
  ],
  [
    "uv",
    subcommands(
      "add remove sync pip:install pip:uninstall pip:sync tool:install tool:uninstall tool:upgrade python:install python:uninstall",
    ),
  ],
  ["poetry", subcommands("add remove install update")],
  [
    "conda",
    subcommands("install remove uninstall update upgrade create env:remove env:create env:update"),
  ],
  ["mamba", subcommands("install remove uninstall update upgrade create")],
  ["micromamba", subcommands("install remove uninstall update upgrade create")],
  ["npm", subcommands(NODE)],
  ["pnpm", subcommands(NODE)],
  [
    "yarn",
    (c) =>
      operands(c.args).length === 0
        ? c.add(T2, "yarn (installs dependencies)")
        : subcommands(NODE)(c),
  ],
  ["bun", subcommands(NODE)],
  ["cnpm", subcommands(NODE)],
  ["gem", subcommands("install i uninstall update cleanup pristine")],
  ["bundle", subcommands("install update add remove")],
  ["cargo", subcommands("install uninstall")],
  ["go", subcommands("install")],
  ["composer", subcommands("require remove install update global:require global:remove")],
]);

/** `pip3.11` and friends share the pip rule. */
export function packageFamily(key: string): Rule | undefined {
  return /^pip[0-9.]*$/.test(key) ? PACKAGE_RULES.get("pip") : undefined;
}
