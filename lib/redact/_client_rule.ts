/**
 * Passwords given to particular clients in their own short-flag syntax: MySQL/MariaDB `-pSECRET`,
 * mycli, sshpass, mongo tools and `docker login` `-p SECRET`, redis-cli `-a SECRET`, sqlcmd/bcp
 * `-P SECRET`, ldapsearch and friends `-w SECRET`, curl `-u user:SECRET`. A flag is touched only
 * inside the argument list of the client that owns it (up to `;`, `&`, `|`, `)` or the line end),
 * so `ssh -p22` and `nmap -p1-1000` stay intact, even on the same line.
 */
import { REDACTED } from "./placeholder.ts";
import { isBlank, isSpace, type Replacement, scanBare, scanQuoted, skipBlanks } from "./_scan.ts";

interface ClientSyntax {
  /** Short flags whose value may be glued on (`-pSECRET`). */
  short: readonly string[];
  /** Long flags taking a value after `=` or a blank. */
  long: readonly string[];
  /** The short flag's value may also follow a blank (`-p SECRET`). */
  spaced: boolean;
  /** Keep `user:` and hide what follows the first colon. */
  keepUser: boolean;
  /** The client runs another command: its own options end at the first positional argument. */
  wrapper: boolean;
}

/** A short flag whose value may be glued on or follow a blank (`-p SECRET`, `-pSECRET`). */
function shortFlag(flag: string, wrapper = false): ClientSyntax {
  return { short: [flag], long: [], spaced: true, keepUser: false, wrapper };
}

// MySQL's `-p` takes only a glued value: `mysql -p db` prompts and `db` is the database.
const MYSQL: ClientSyntax = {
  short: ["-p"],
  long: [],
  spaced: false,
  keepUser: false,
  wrapper: false,
};
const CURL: ClientSyntax = {
  short: ["-u", "-U"],
  long: ["--user", "--proxy-user"],
  spaced: true,
  keepUser: true,
  wrapper: false,
};
const REDIS: ClientSyntax = { ...shortFlag("-a"), long: ["--pass"] };
const SSHPASS = shortFlag("-p", true);
const P_FLAG = shortFlag("-p"); // mycli, mongo tools, docker/podman login
const SQLCMD = shortFlag("-P"); // sqlcmd, bcp
const LDAP = shortFlag("-w"); // ldapsearch and friends

const HAS_CLIENT = /mysql|mariadb|mycli|sshpass|redis-cli|curl|mongo|sqlcmd|bcp|ldap|login/i;
// Known client names only, as a whole word followed by a blank: `mysql:8`, `mysql-info` and
// `MYSQL_PWD=` are not commands.
const CLIENT_COMMAND = new RegExp(
  "(?<![\\w.\\]-])(" + [
    "mysql(?:dump|admin|check|import|show|slap|pump|sh|binlog)?",
    "mariadb(?:-?(?:dump|admin|check|import|show|slap|binlog))?",
    "mycli",
    "sshpass",
    "redis-cli",
    "curl",
    "mongo(?:sh|dump|restore|export|import|stat|top|files)?",
    "sqlcmd",
    "bcp",
    "ldap(?:search|add|modify|delete|passwd|whoami|compare|modrdn|exop|url)",
    "(?:docker|podman|nerdctl)[ \\t]+login",
  ].join("|") + ")(?:\\.exe)?(?=[ \\t])",
  "gi",
);
const STOP = new Set(["\n", "\r", ";", "&", "|", ")", "`"]);

function syntaxFor(word: string): ClientSyntax {
  const w = word.toLowerCase();
  if (w.startsWith("mysql") || w.startsWith("mariadb")) return MYSQL;
  if (w === "curl") return CURL;
  if (w === "redis-cli") return REDIS;
  if (w === "sshpass") return SSHPASS;
  if (w === "sqlcmd" || w === "bcp") return SQLCMD;
  if (w.startsWith("ldap")) return LDAP;
  return P_FLAG;
}

function isQuote(c: string | undefined): boolean {
  return c === '"' || c === "'";
}

/** The hidden form of `text[start, end)`, or null when there is nothing secret in it. */
function hide(text: string, start: number, end: number, keepUser: boolean): string | null {
  const value = text.slice(start, end);
  if (value.trim() === "") return null;
  if (!keepUser) return REDACTED;
  const colon = value.indexOf(":");
  if (colon < 0 || colon === value.length - 1) return null;
  return value.slice(0, colon + 1) + REDACTED;
}

/** Hides the value starting at `v`; the replacement covers `text[t, end)`. */
function hideValueAt(text: string, t: number, v: number, keepUser: boolean): Replacement | null {
  const c = text[v];
  if (isQuote(c)) {
    const span = scanQuoted(text, v, { escape: c === '"' ? "\\" : "" });
    const stop = span.closed ? span.end - 1 : span.end;
    const hidden = hide(text, v + 1, stop, keepUser);
    if (hidden === null) return null;
    return { end: span.end, text: text.slice(t, v + 1) + hidden + text.slice(stop, span.end) };
  }
  const end = scanBare(text, v, (ch) => STOP.has(ch), true);
  const hidden = hide(text, v, end, keepUser);
  return hidden === null ? null : { end, text: text.slice(t, v) + hidden };
}

/** A blank-separated value after position `v`, if one follows (not another flag). */
function spacedValueStart(text: string, v: number): number {
  const w = skipBlanks(text, v);
  if (w === v || isSpace(text[w]) || text[w] === "-" || STOP.has(text[w])) return -1;
  return w;
}

/** Matches one of the client's password flags at token start `t`. */
function matchFlag(text: string, t: number, syntax: ClientSyntax): Replacement | null {
  if (isQuote(text[t]) && text[t + 1] === "-") {
    // A whole quoted token, `"-pSECRET"`: the value runs to the closing quote.
    const flag = syntax.short.find((f) => text.startsWith(f, t + 1));
    if (flag === undefined) return null;
    const span = scanQuoted(text, t, { escape: text[t] === '"' ? "\\" : "" });
    const v = t + 1 + flag.length;
    const stop = span.closed ? span.end - 1 : span.end;
    const hidden = hide(text, v, stop, syntax.keepUser);
    if (hidden === null) return null;
    return { end: span.end, text: text.slice(t, v) + hidden + text.slice(stop, span.end) };
  }
  for (const flag of syntax.short) {
    if (!text.startsWith(flag, t)) continue;
    const v = t + flag.length;
    if (!isSpace(text[v]) && !STOP.has(text[v])) return hideValueAt(text, t, v, syntax.keepUser);
    if (!syntax.spaced) return null;
    const w = spacedValueStart(text, v);
    return w < 0 ? null : hideValueAt(text, t, w, syntax.keepUser);
  }
  for (const flag of syntax.long) {
    if (!text.startsWith(flag, t)) continue;
    const a = t + flag.length;
    if (text[a] === "=") return hideValueAt(text, t, a + 1, syntax.keepUser);
    const w = isBlank(text[a]) ? spacedValueStart(text, a) : -1;
    return w < 0 ? null : hideValueAt(text, t, w, syntax.keepUser);
  }
  return null;
}

/** `mysql -uroot -pS3cret` → `mysql -uroot -p[REDACTED]`, and the other clients above. */
export function redactClientPasswords(text: string): string {
  if (!HAS_CLIENT.test(text)) return text;
  let out = "";
  let pos = 0;
  let changed = false;
  CLIENT_COMMAND.lastIndex = 0;
  for (let m = CLIENT_COMMAND.exec(text); m !== null; m = CLIENT_COMMAND.exec(text)) {
    const syntax = syntaxFor(m[1]);
    let j = m.index + m[0].length;
    while (j < text.length && !STOP.has(text[j])) {
      const c = text[j];
      if (isQuote(c)) {
        j = scanQuoted(text, j, { escape: c === '"' ? "\\" : "" }).end;
        continue;
      }
      const t = j + 1;
      if (!isBlank(c) || isSpace(text[t])) {
        j++;
        continue;
      }
      if (syntax.wrapper && text[t] !== "-" && !(isQuote(text[t]) && text[t + 1] === "-")) break;
      const r = matchFlag(text, t, syntax);
      if (r === null) {
        j++;
        continue;
      }
      out += text.slice(pos, t) + r.text;
      pos = r.end;
      changed = true;
      j = r.end;
    }
    CLIENT_COMMAND.lastIndex = Math.max(j, m.index + 1);
  }
  CLIENT_COMMAND.lastIndex = 0;
  return changed ? out + text.slice(pos) : text;
}
