/**
 * Evaluates ssh_config for one host the way OpenSSH does: directives apply while the last
 * `Host`/`Match` line matched, the first value obtained wins (IdentityFile and CertificateFile
 * accumulate), `Include` is processed in place with globs (relative paths under ~/.ssh) and
 * keeps the enclosing block's state, `Match final` asks for a second pass in which `Host` and
 * `Match host` see the final host name. `Match exec` is reported and never run.
 */
import { matchPattern, matchPatternList } from "../host_patterns.ts";
import { globPaths, type SshConfigFiles, type SshConfigProblem } from "./ssh_config_files.ts";
import { expandHostnameTokens, expandTilde } from "./tokens.ts";

/** Who is connecting where, as known before ssh_config is read. */
export interface SshConfigQuery {
  /** The host as given (alias); `Host` lines and `Match originalhost` match it. */
  readonly alias: string;
  /** Remote user already fixed by an argument or the inventory (wins over `User`). */
  readonly user?: string;
  /** Host name already fixed by the inventory (wins over `HostName`). */
  readonly hostname?: string;
  /** The local user (`Match localuser`, default remote user). */
  readonly localUser: string;
  /** The local home directory (Include paths, `~`). */
  readonly home: string;
}

/** One setting and where it came from. */
export interface SshConfigSetting {
  /** The arguments of the directive. */
  readonly args: readonly string[];
  /** The file. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
}

/** The settings that apply to one host. */
export interface SshConfigEvaluation {
  /** First-obtained setting per lower-case keyword (`proxyjump`/`proxycommand` share a slot). */
  readonly settings: ReadonlyMap<string, SshConfigSetting>;
  /** Every IdentityFile that applied, in order, without repeats. */
  readonly identityFiles: readonly SshConfigSetting[];
  /** Every CertificateFile that applied. */
  readonly certificateFiles: readonly SshConfigSetting[];
  /** The host name after `HostName` (or the preset), tokens expanded, lower case by default. */
  readonly hostname: string;
  /** True when a `Match final` caused a second pass. */
  readonly finalPass: boolean;
  /** Files read (existing or not), in order. */
  readonly files: readonly string[];
  /** Problems met (unsupported Match criteria, bad Include, parse errors). */
  readonly problems: readonly SshConfigProblem[];
}

const MAX_INCLUDE_DEPTH = 16;
const ACCUMULATE = new Set(["identityfile", "certificatefile"]);
const PROXY = new Set(["proxyjump", "proxycommand"]);

/** Evaluates the config rooted at `root` for `query`. */
export function evaluateSshConfig(
  files: SshConfigFiles,
  root: string,
  query: SshConfigQuery,
): SshConfigEvaluation {
  const settings = new Map<string, SshConfigSetting>();
  const identityFiles: SshConfigSetting[] = [];
  const certificateFiles: SshConfigSetting[] = [];
  const problems: SshConfigProblem[] = [];
  const seenProblems = new Set<string>();
  const read: string[] = [];
  let wantFinal = false;
  let inFinal = false;
  let active = true;

  const problem = (file: string, line: number, message: string) => {
    const key = `${file}:${line}:${message}`;
    if (seenProblems.has(key)) return;
    seenProblems.add(key);
    problems.push({ file, line, message });
  };

  const hostnameSoFar = (): string => {
    if (query.hostname !== undefined) return query.hostname;
    const set = settings.get("hostname");
    if (!set) return query.alias.toLowerCase();
    try {
      return expandHostnameTokens(set.args[0] ?? "", query.alias);
    } catch (err) {
      problem(set.file, set.line, `HostName: ${(err as Error).message}`);
      return query.alias.toLowerCase();
    }
  };

  const matchHost = (args: readonly string[], subject: string): boolean => {
    let matched = false;
    for (const arg of args) {
      const negated = arg.startsWith("!");
      if (matchPattern(subject, negated ? arg.slice(1) : arg)) {
        if (negated) return false;
        matched = true;
      }
    }
    return matched;
  };

  const matchCriteria = (line: { args: readonly string[]; file: string; line: number }) => {
    const args = line.args;
    let result = true;
    let attributes = 0;
    for (let i = 0; i < args.length;) {
      const raw = args[i++];
      if (raw.startsWith("#")) break;
      attributes++;
      const negate = raw.startsWith("!");
      const attr = (negate ? raw.slice(1) : raw).toLowerCase();
      if (attr === "all") {
        const others = args.slice(0, i - 1).map((a) => a.replace(/^!/, "").toLowerCase());
        if (others.some((a) => a !== "canonical" && a !== "final") || i < args.length) {
          problem(line.file, line.line, "Match 'all' cannot be combined with other criteria");
          return false;
        }
        return result && !negate;
      }
      if (attr === "canonical" || attr === "final") {
        if (attr === "final" && !negate) wantFinal = true;
        if (inFinal === negate) result = false;
        continue;
      }
      if (i >= args.length) {
        problem(line.file, line.line, `Match ${attr}: missing argument`);
        return false;
      }
      const arg = args[i++];
      let r: boolean;
      switch (attr) {
        case "host":
          r = matchPatternList(hostnameSoFar(), arg, true) === 1;
          break;
        case "originalhost":
          r = matchPatternList(query.alias, arg, true) === 1;
          break;
        case "user":
          r = matchPatternList(
            query.user ?? settings.get("user")?.args[0] ?? query.localUser,
            arg,
          ) ===
            1;
          break;
        case "localuser":
          r = matchPatternList(query.localUser, arg) === 1;
          break;
        case "exec":
          problem(
            line.file,
            line.line,
            "Match exec is not supported (the command is not run); the block is treated as not matching",
          );
          return false;
        default:
          problem(
            line.file,
            line.line,
            `Match ${attr} is not supported; the block is treated as not matching`,
          );
          return false;
      }
      if (r === negate) result = false;
    }
    if (attributes === 0) {
      problem(line.file, line.line, "Match needs at least one criterion");
      return false;
    }
    return result;
  };

  const apply = (l: { key: string; args: readonly string[]; file: string; line: number }) => {
    const setting = { args: l.args, file: l.file, line: l.line };
    if (ACCUMULATE.has(l.key)) {
      const list = l.key === "identityfile" ? identityFiles : certificateFiles;
      if (!list.some((s) => s.args[0] === l.args[0])) list.push(setting);
      return;
    }
    const slot = PROXY.has(l.key) ? "proxy" : l.key;
    if (settings.has(slot)) return;
    settings.set(slot, slot === "proxy" ? { ...setting, args: [l.key, ...l.args] } : setting);
  };

  const processFile = (path: string, depth: number, neverMatch: boolean) => {
    const f = files.read(path);
    if (!inFinal) read.push(path);
    if (f.error) problem(path, 0, f.error);
    for (const l of f.lines) {
      if (l.key === "host") {
        active = !neverMatch && matchHost(l.args, inFinal ? hostnameSoFar() : query.alias);
      } else if (l.key === "match") {
        active = !neverMatch && matchCriteria(l);
      } else if (l.key === "include") {
        if (depth + 1 > MAX_INCLUDE_DEPTH) {
          problem(l.file, l.line, `Include nested more than ${MAX_INCLUDE_DEPTH} deep; ignored`);
          continue;
        }
        const saved = active;
        for (const arg of l.args) {
          let pattern: string;
          try {
            pattern = expandTilde(arg, query.home);
          } catch (err) {
            problem(l.file, l.line, `Include ${arg}: ${(err as Error).message}`);
            continue;
          }
          if (!pattern.startsWith("/")) pattern = `${query.home}/.ssh/${pattern}`;
          for (const p of globPaths(pattern)) {
            processFile(p, depth + 1, neverMatch || !saved);
            active = saved;
          }
        }
      } else if (active) {
        apply(l);
      }
    }
  };

  const canonicalize = () => {
    const set = settings.get("canonicalizehostname");
    const v = set?.args[0]?.toLowerCase();
    if (set && v !== "no" && v !== "false") {
      problem(set.file, set.line, "CanonicalizeHostname is not supported; ignored");
    }
  };

  processFile(root, 0, false);
  canonicalize();
  if (wantFinal) {
    inFinal = true;
    active = true;
    processFile(root, 0, false);
  }
  return {
    settings,
    identityFiles,
    certificateFiles,
    hostname: hostnameSoFar(),
    finalPass: wantFinal,
    files: read,
    problems,
  };
}

/** Every literal `Host` alias (no `*`, `?` or `!`) in the config and all its includes. */
export function listSshConfigAliases(
  files: SshConfigFiles,
  root: string,
  home: string,
): { alias: string; file: string; line: number }[] {
  const out: { alias: string; file: string; line: number }[] = [];
  const seen = new Set<string>();
  const visit = (path: string, depth: number) => {
    if (depth > MAX_INCLUDE_DEPTH) return;
    for (const l of files.read(path).lines) {
      if (l.key === "host") {
        for (const a of l.args) {
          if (/[*?!]/.test(a) || seen.has(a)) continue;
          seen.add(a);
          out.push({ alias: a, file: l.file, line: l.line });
        }
      } else if (l.key === "include") {
        for (const arg of l.args) {
          let pattern: string;
          try {
            pattern = expandTilde(arg, home);
          } catch {
            continue;
          }
          if (!pattern.startsWith("/")) pattern = `${home}/.ssh/${pattern}`;
          for (const p of globPaths(pattern)) visit(p, depth + 1);
        }
      }
    }
  };
  visit(root, 0);
  return out;
}
