/**
 * ssh_config expansions: `%` tokens (ssh_config(5) TOKENS), `~` and `~user` home references,
 * and `${VAR}` environment references. Each directive accepts its own token set; an unknown
 * token or a missing variable is an error the caller reports (OpenSSH ignores such a setting).
 */
import { createHash } from "node:crypto";

/** Values the `%` tokens stand for. */
export interface TokenContext {
  /** %h: the remote host name (after HostName). */
  readonly host: string;
  /** %n: the host as given (the alias). */
  readonly originalHost: string;
  /** %p: the remote port. */
  readonly port: number;
  /** %r: the remote user name. */
  readonly remoteUser: string;
  /** %u: the local user name. */
  readonly localUser: string;
  /** %d: the local home directory. */
  readonly home: string;
  /** %i: the local numeric user id. */
  readonly uid: number;
  /** %l: the local host name as gethostname() returns it (%L is its first label). */
  readonly localHostname: string;
  /** %k: the HostKeyAlias if set, else the alias. */
  readonly hostKeyAlias?: string;
}

/** Tokens of IdentityFile, UserKnownHostsFile, IdentityAgent, CertificateFile and the like. */
export const PATH_TOKENS = "%CdhikLlnpru";
/** Tokens of HostName. */
export const HOSTNAME_TOKENS = "%h";
/** Tokens of ProxyJump and ProxyCommand. */
export const PROXY_TOKENS = "%hnpr";

/** %C: SHA-1 hex of %l%h%p%r, as OpenSSH 9.2 computes it. */
export function connectionHash(ctx: TokenContext): string {
  return createHash("sha1")
    .update(`${ctx.localHostname}${ctx.host}${ctx.port}${ctx.remoteUser}`)
    .digest("hex");
}

function tokenValue(letter: string, ctx: TokenContext): string {
  switch (letter) {
    case "%":
      return "%";
    case "C":
      return connectionHash(ctx);
    case "d":
      return ctx.home;
    case "h":
      return ctx.host;
    case "i":
      return String(ctx.uid);
    case "k":
      return ctx.hostKeyAlias ?? ctx.originalHost;
    case "L":
      return ctx.localHostname.split(".")[0];
    case "l":
      return ctx.localHostname;
    case "n":
      return ctx.originalHost;
    case "p":
      return String(ctx.port);
    case "r":
      return ctx.remoteUser;
    case "u":
      return ctx.localUser;
    default:
      throw new TypeError(`unknown token %${letter}`);
  }
}

/** Expands `%x` tokens allowed in `allowed`; TypeError for any other token or a trailing `%`. */
export function expandTokens(text: string, ctx: TokenContext, allowed = PATH_TOKENS): string {
  return text.replace(/%(.?)/gs, (_, letter: string) => {
    if (letter === "") throw new TypeError("a trailing % is not a token");
    if (!allowed.includes(letter)) throw new TypeError(`token %${letter} is not allowed here`);
    return tokenValue(letter, ctx);
  });
}

/** Expands the tokens HostName accepts (`%h` = the alias, `%%`); TypeError for any other. */
export function expandHostnameTokens(text: string, alias: string): string {
  return text.replace(/%(.?)/gs, (_, letter: string) => {
    if (letter === "h") return alias;
    if (letter === "%") return "%";
    throw new TypeError(
      letter === "" ? "a trailing % is not a token" : `token %${letter} is not allowed here`,
    );
  });
}

/** Expands `${NAME}` references; TypeError naming a variable that is not set. */
export function expandEnvRefs(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new TypeError(`environment variable ${name} is not set`);
    return value;
  });
}

/** Home directory of a local user from /etc/passwd, or undefined. */
export function homeOfUser(user: string, passwd?: string): string | undefined {
  let text = passwd;
  if (text === undefined) {
    try {
      text = Deno.readTextFileSync("/etc/passwd");
    } catch {
      return undefined;
    }
  }
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length >= 7 && f[0] === user) return f[5];
  }
  return undefined;
}

/** Expands a leading `~` or `~user`; TypeError when the user is unknown. */
export function expandTilde(path: string, home: string): string {
  if (path === "~" || path.startsWith("~/")) return home + path.slice(1);
  const m = /^~([^/]+)(\/.*)?$/.exec(path);
  if (!m) return path;
  const other = homeOfUser(m[1]);
  if (other === undefined) throw new TypeError(`unknown user in ~${m[1]}`);
  return other + (m[2] ?? "");
}

/** Makes `path` absolute against `home` (ssh_config paths are relative to ~/.ssh otherwise). */
export function absolutePath(path: string, home: string): string {
  return path.startsWith("/") ? path : `${home}/${path}`;
}

/** `~`, `${VAR}` and `%` expansion of a path-valued directive, in OpenSSH's order. */
export function expandPath(
  raw: string,
  ctx: TokenContext,
  env: Record<string, string | undefined>,
): string {
  return absolutePath(expandTokens(expandEnvRefs(expandTilde(raw, ctx.home), env), ctx), ctx.home);
}
