/** Vocabulary for repositories, containers, clusters and infrastructure tools. */
import {
  anyOf,
  hasOption,
  hasShort,
  lower,
  operands,
  type Rule,
  setOf,
  skipOptions,
} from "./_rule.ts";
import { Tier } from "./tier.ts";

const { STATEFUL: T2, IRREVERSIBLE: T3 } = Tier;

const GIT_GLOBAL = {
  short: "Cc",
  long: ["--git-dir", "--work-tree", "--namespace", "--config-env", "--exec-path"],
};
const GIT_STATEFUL = setOf(
  "commit merge rebase cherry-pick revert am pull reset filter-branch filter-repo update-ref replace",
);

const git: Rule = (c) => {
  const at = skipOptions(c.args, 0, GIT_GLOBAL);
  const sub = c.args[at];
  const rest = c.args.slice(at + 1);
  if (sub === undefined) return;
  switch (sub) {
    case "push": {
      const force =
        hasOption(rest, "--force", "--force-with-lease", "--force-if-includes", "--mirror") ||
        hasShort(rest, "f") ||
        operands(rest, {
          short: "o",
          long: ["--push-option", "--repo", "--receive-pack", "--exec"],
        })
          .some((r) => r.startsWith("+"));
      if (force) return c.add(T3, "git push --force/+refspec (rewrites remote history)");
      const remove = hasOption(rest, "--delete", "--prune") || hasShort(rest, "d") ||
        operands(rest).some((r) => r.startsWith(":"));
      if (remove) return c.add(T3, "git push --delete (deletes remote refs)");
      return c.add(T2, "git push (changes a remote repository)");
    }
    case "reset":
      if (hasOption(rest, "--hard", "--merge", "--keep")) {
        return c.add(T3, "git reset --hard (discards changes)");
      }
      return c.add(T2, "git reset (moves HEAD or the index)");
    case "clean":
      if (hasShort(rest, "f") || hasOption(rest, "--force")) {
        return c.add(T3, "git clean -f (deletes untracked files)");
      }
      if (hasShort(rest, "n") || hasOption(rest, "--dry-run")) return;
      return c.add(T2, "git clean");
    case "checkout":
      if (
        hasShort(rest, "f") || hasOption(rest, "--force") || rest.includes("--") ||
        rest.includes(".")
      ) {
        c.add(T2, "git checkout -f/-- (discards working-tree changes)");
      }
      return;
    case "restore":
      if (
        !(rest.includes("--staged") || rest.includes("-S")) || hasOption(rest, "--worktree") ||
        hasShort(rest, "W")
      ) {
        c.add(T2, "git restore (discards working-tree changes)");
      }
      return;
    case "switch":
      if (hasOption(rest, "--discard-changes", "--force") || hasShort(rest, "f")) {
        c.add(T2, "git switch --discard-changes");
      }
      return;
    case "branch":
      if (
        hasShort(rest, "dDmMcCfu") ||
        hasOption(
          rest,
          "--delete",
          "--move",
          "--copy",
          "--force",
          "--set-upstream-to",
          "--unset-upstream",
        )
      ) {
        c.add(T2, "git branch -d/-D/-m (changes branches)");
      }
      return;
    case "tag":
      if (hasShort(rest, "df") || hasOption(rest, "--delete", "--force")) {
        c.add(T2, "git tag -d/-f (changes tags)");
      }
      return;
    case "stash":
      if (rest[0] === "drop" || rest[0] === "clear") {
        c.add(T2, `git stash ${rest[0]} (discards stashed changes)`);
      }
      return;
    case "remote":
    case "submodule":
    case "worktree":
    case "reflog":
    case "notes": {
      const reads = [
        "",
        "-v",
        "--verbose",
        "show",
        "list",
        "get-url",
        "status",
        "summary",
        "foreach",
      ];
      if (!reads.includes(rest[0] ?? "")) {
        c.add(T2, `git ${sub} ${rest[0]} (changes repository state)`);
      }
      return;
    }
    case "rm":
      if (hasShort(rest, "f") || hasOption(rest, "--force")) {
        c.add(T2, "git rm -f (discards changes)");
      }
      return;
    default:
      if (GIT_STATEFUL.has(sub)) c.add(T2, `git ${sub} (changes repository state)`);
  }
};

const gh: Rule = (c) => {
  const [group = "", verb = ""] = operands(c.args, { short: "R", long: ["--repo"] });
  if (group === "repo" && verb === "delete") {
    return c.add(T3, "gh repo delete (deletes a repository)");
  }
  if (
    ["delete", "merge", "close", "archive", "edit", "create", "transfer", "rename"].includes(verb)
  ) {
    c.add(T2, `gh ${group} ${verb} (changes a hosted repository)`);
  }
};

const DOCKER_GROUPS = setOf(
  "container image volume network system builder buildx compose swarm service stack node secret config plugin context trust manifest machine",
);
const DOCKER_READS = setOf(
  " ps ls list images inspect logs version info stats top events history diff port search df help config show login logout wait export save",
);
const DOCKER_RUN_FLAGS = setOf(
  "-d -i -t -P -q --rm --privileged --init --read-only --detach --interactive --tty --quiet --no-healthcheck --publish-all --oom-kill-disable --help",
);

/** Index of the image in `docker run`: options take a value unless they are known flags. */
function imageIndex(args: readonly string[], from: number): number {
  let j = from;
  while (j < args.length) {
    const a = args[j];
    if (a === "--") return j + 1;
    if (!a.startsWith("-") || a === "-") return j;
    const flag = DOCKER_RUN_FLAGS.has(a) || a.includes("=") || /^-[dit]+$/.test(a);
    j += flag ? 1 : 2;
  }
  return j;
}

const docker: Rule = (c) => {
  let at = skipOptions(c.args, 0, {
    short: "Hcl",
    long: ["--host", "--context", "--config", "--log-level"],
  });
  let group = c.name === "docker-compose" ? "compose" : "";
  if (!group && DOCKER_GROUPS.has(c.args[at] ?? "")) group = c.args[at++];
  if (group === "compose") {
    at = skipOptions(c.args, at, {
      short: "fp",
      long: ["--file", "--project-name", "--profile", "--env-file", "--project-directory"],
    });
  }
  const verb = c.args[at] ?? "";
  const rest = c.args.slice(at + 1);
  const what = `${c.name}${group && c.name !== "docker-compose" ? " " + group : ""} ${verb}`.trim();
  if (group === "volume" && ["rm", "remove", "prune"].includes(verb)) {
    return c.add(T3, `${what} (deletes volumes)`);
  }
  if (
    (group === "system" && verb === "prune" && rest.includes("--volumes")) ||
    (group === "compose" && verb === "down" && (hasShort(rest, "v") || rest.includes("--volumes")))
  ) {
    return c.add(T3, `${what} --volumes (deletes volumes)`);
  }
  if (!group && verb === "exec") {
    const ctr = skipOptions(c.args, at + 1, {
      short: "euw",
      long: ["--env", "--user", "--workdir", "--env-file", "--detach-keys"],
    });
    return c.run(ctr + 1);
  }
  if (verb === "" || DOCKER_READS.has(verb)) return;
  c.add(T2, `${what} (changes containers or images)`);
  if ((verb === "run" || verb === "create") && (!group || group === "container")) {
    c.run(imageIndex(c.args, at + 1) + 1);
  }
};

const KUBECTL_CHANGES = setOf(
  "apply create replace delete scale autoscale patch edit drain cordon uncordon taint label annotate set expose run cp certificate debug attach",
);
const KUBECTL_VALUE = {
  short: "nslofcLp",
  long: [
    "--namespace",
    "--context",
    "--cluster",
    "--kubeconfig",
    "--server",
    "--user",
    "--token",
    "--selector",
    "--output",
    "--filename",
    "--container",
    "--as",
  ],
};

const kubectl: Rule = (c) => {
  const ops = operands(c.args, KUBECTL_VALUE);
  const [sub = "", action = ""] = ops;
  if (sub === "exec") {
    const dash = c.args.indexOf("--");
    if (dash >= 0) c.run(dash + 1);
    return;
  }
  if (sub === "rollout") {
    if (!["status", "history"].includes(action)) {
      c.add(T2, `${c.name} rollout ${action} (changes workloads)`);
    }
    return;
  }
  if (sub === "delete") {
    const kinds = lower(ops.slice(1)).map((k) => k.split("/")[0]);
    const broad = kinds.some((k) =>
      /^(namespaces?|ns|pv|pvc|persistentvolumes?|persistentvolumeclaims?|crds?|customresourcedefinitions?)$/
        .test(k)
    ) ||
      hasOption(c.args, "--all", "--all-namespaces") || hasShort(c.args, "A");
    if (broad) {
      return c.add(T3, `${c.name} delete namespace/volumes/--all (deletes data)`);
    }
  }
  if (KUBECTL_CHANGES.has(sub)) c.add(T2, `${c.name} ${sub} (changes cluster state)`);
};

const helm: Rule = (c) => {
  const sub =
    operands(c.args, { short: "n", long: ["--namespace", "--kube-context", "--kubeconfig"] })[0] ??
      "";
  if (
    ["install", "upgrade", "uninstall", "delete", "del", "un", "rollback", "push"].includes(sub)
  ) {
    c.add(T2, `helm ${sub} (changes cluster state)`);
  }
};

const terraform: Rule = (c) => {
  const args = c.args.filter((a) => !a.startsWith("-chdir"));
  const [sub = "", action = ""] = operands(args);
  if (sub === "destroy" || (sub === "apply" && args.includes("-destroy"))) {
    return c.add(T3, `${c.name} destroy (destroys infrastructure)`);
  }
  if (sub === "state" && !["list", "show", "pull"].includes(action)) {
    return c.add(T2, `${c.name} state ${action}`);
  }
  if (sub === "workspace" && action === "delete") return c.add(T2, `${c.name} workspace delete`);
  if (["apply", "import", "taint", "untaint", "force-unlock", "refresh"].includes(sub)) {
    c.add(T2, `${c.name} ${sub} (changes infrastructure)`);
  }
};

const pulumi: Rule = (c) => {
  const [sub = "", action = ""] = operands(c.args, { short: "sC", long: ["--stack", "--cwd"] });
  if (sub === "destroy" || (sub === "stack" && action === "rm")) {
    return c.add(T3, `pulumi ${sub} (destroys infrastructure)`);
  }
  if (["up", "update", "refresh", "import", "cancel"].includes(sub)) {
    c.add(T2, `pulumi ${sub} (changes infrastructure)`);
  }
};

const cdk: Rule = (c) => {
  const sub = operands(c.args)[0] ?? "";
  if (sub === "destroy") c.add(T3, "cdk destroy (destroys infrastructure)");
  else if (sub === "deploy" || sub === "bootstrap") {
    c.add(T2, `cdk ${sub} (changes infrastructure)`);
  }
};

const SAFE_ANSIBLE_MODULES = /^(ping|setup|debug|gather_facts|stat|slurp|.*_info|.*_facts)$/;
const ansible: Rule = (c) => {
  const value = (short: string, long: string) => {
    const i = c.args.findIndex((a) => a === short || a === long);
    if (i >= 0) return c.args[i + 1] ?? "";
    return c.args.find((a) => a.startsWith(long + "="))?.slice(long.length + 1);
  };
  const module = (value("-m", "--module-name") ?? "command").replace(
    /^ansible\.(builtin|windows)\./,
    "",
  );
  if (/^(command|shell|raw|win_shell|win_command)$/.test(module)) {
    const args = value("-a", "--args");
    if (args !== undefined) c.script(args);
    return;
  }
  if (!SAFE_ANSIBLE_MODULES.test(module)) c.add(T2, `ansible -m ${module} (changes managed hosts)`);
};

const ansiblePlaybook: Rule = (c) => {
  if (
    anyOf(c.args, [
      "--check",
      "-C",
      "--syntax-check",
      "--list-hosts",
      "--list-tasks",
      "--list-tags",
    ])
  ) return;
  c.add(T2, "ansible-playbook (changes managed hosts)");
};

/** Repository, container, cluster and infrastructure vocabulary, keyed by command. */
export const DEVOPS_RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ["git", git],
  ["gh", gh],
  ["docker", docker],
  ["podman", docker],
  ["nerdctl", docker],
  ["docker-compose", docker],
  ["podman-compose", docker],
  ["kubectl", kubectl],
  ["oc", kubectl],
  ["helm", helm],
  ["terraform", terraform],
  ["tofu", terraform],
  ["terragrunt", terraform],
  ["pulumi", pulumi],
  ["cdk", cdk],
  ["ansible", ansible],
  ["ansible-playbook", ansiblePlaybook],
]);
