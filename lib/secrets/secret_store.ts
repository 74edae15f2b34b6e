/**
 * Secrets loaded from `.env` files: values the model never sees. Each value is registered with
 * the shared redactor as it is loaded, so every tool output, error, audit and log line hides it;
 * commands receive the values as environment variables (never in argv) for their scope. The
 * store hands out names, scopes and source files, never values, except to the exec paths.
 *
 * Clearing is deliberately one-way for redaction: a cleared value stays registered for the life
 * of the server, because copies of it may already sit where nothing can recall them (a session's
 * ring buffer, a job's spool, the environment of a process started before the clear, a variable
 * exported into a shell). Clearing only stops handing the value to new commands.
 *
 * `SUDO_PASSWORD` is reserved: it is fed to `sudo` on stdin (see lib/sudo) and never exported.
 */
import dotenv from "dotenv";
import { parseScope, scopeText, type SecretScope } from "./scope.ts";
import { weakValueReason } from "./weak_values.ts";

/** The secret name whose value answers sudo's password prompt (never exported). */
export const SUDO_PASSWORD = "SUDO_PASSWORD";

/** Redaction as the store uses it. */
export interface SecretRedactor {
  /** Registers a literal value to hide everywhere. */
  register(value: string): boolean;
}

/** Options for {@linkcode SecretStore}. */
export interface SecretStoreOptions {
  /** The shared redactor (every output, error, audit and log line). */
  redactor: SecretRedactor;
  /** The local sudo password when no `SUDO_PASSWORD` secret is loaded (RELAY_SHELL_SUDO_PASSWORD_ENV). */
  sudoPassword?: string;
  /** Largest file accepted (default 1 MiB). */
  maxFileBytes?: number;
}

/** Options for {@linkcode SecretStore.load}. */
export interface LoadSecretsOptions {
  /** `all` (default), `host:<alias>` or `session:<id>`. */
  scope?: string | SecretScope;
}

/** What a load did. */
export interface LoadSecretsResult {
  /** Names loaded (values registered for redaction). */
  names: string[];
  /** Names refused, each with the reason. */
  refused: { name: string; reason: string }[];
  /** The scope as text. */
  scope: string;
  /** The file read. */
  source: string;
}

/** A loaded secret as listings show it. */
export type SecretInfo = {
  /** Variable name. */
  name: string;
  /** Scope as text. */
  scope: string;
  /** The file it came from. */
  source: string;
};

/** Which commands a lookup is for. */
export interface SecretTarget {
  /** The SSH host alias (absent: this host). */
  host?: string;
  /** The session the command runs in. */
  sessionId?: string;
}

interface Entry {
  name: string;
  value: string;
  scope: SecretScope;
  source: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `name` cannot be a secret's name, or null. */
export function secretNameProblem(name: string): string | null {
  if (!NAME.test(name)) {
    return "not a variable name (letters, digits, _; not starting with a digit)";
  }
  if (name.startsWith("RELAY_SHELL_")) return "RELAY_SHELL_* names configure the server itself";
  if (/^__rs_/i.test(name)) return "names starting with __RS_ are used by relay-shell's wrappers";
  return null;
}

function expandHome(path: string): string {
  if (path === "~" || path.startsWith("~/")) return `${Deno.env.get("HOME") ?? ""}${path.slice(1)}`;
  return path;
}

/** The secret store; see the module comment. */
export class SecretStore {
  #redactor: SecretRedactor;
  #entries = new Map<string, Entry>(); // key: scope text + "\0" + name
  #sudoFallback: string | null;
  #maxFile: number;

  /** Builds an empty store; a configured sudo password is registered for redaction at once. */
  constructor(options: SecretStoreOptions) {
    this.#redactor = options.redactor;
    this.#maxFile = options.maxFileBytes ?? 1024 * 1024;
    this.#sudoFallback = options.sudoPassword || null;
    if (this.#sudoFallback) this.#redactor.register(this.#sudoFallback);
  }

  /** Secrets held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Reads a `.env` file and loads its variables for `scope`; returns names, never values. */
  async load(path: string, options: LoadSecretsOptions = {}): Promise<LoadSecretsResult> {
    if (typeof path !== "string" || path.trim() === "") {
      throw new TypeError("path: give the path of a .env file");
    }
    const file = expandHome(path.trim());
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(file);
    } catch (err) {
      throw new TypeError(`path: cannot read ${file}: ${(err as Error).message}`);
    }
    if (!info.isFile) throw new TypeError(`path: ${file} is not a regular file`);
    if (info.size > this.#maxFile) {
      throw new RangeError(`path: ${file} is larger than ${this.#maxFile} bytes`);
    }
    const text = await Deno.readTextFile(file);
    return this.loadText(text, { scope: options.scope, source: file });
  }

  /** Loads variables from `.env`-format text (comments, quotes, `export` prefix). */
  loadText(text: string, options: LoadSecretsOptions & { source: string }): LoadSecretsResult {
    const scope = typeof options.scope === "object" ? options.scope : parseScope(options.scope);
    const parsed = dotenv.parse(text) as Record<string, string>;
    const names: string[] = [];
    const refused: { name: string; reason: string }[] = [];
    for (const [name, value] of Object.entries(parsed)) {
      const reason = secretNameProblem(name) ?? weakValueReason(value);
      if (reason) {
        refused.push({ name, reason });
        continue;
      }
      this.#redactor.register(value); // before anything else can show it
      const st = scopeText(scope);
      this.#entries.set(`${st}\0${name}`, { name, value, scope, source: options.source });
      names.push(name);
    }
    return { names, refused, scope: scopeText(scope), source: options.source };
  }

  #matching(target: SecretTarget): Entry[] {
    const rank = (e: Entry) =>
      e.scope.kind === "all"
        ? 0
        : e.scope.kind === "host" && e.scope.host === target.host
        ? 1
        : e.scope.kind === "session" && e.scope.id === target.sessionId
        ? 2
        : -1;
    return [...this.#entries.values()].filter((e) => rank(e) >= 0).sort((a, b) =>
      rank(a) - rank(b)
    );
  }

  /**
   * The variables commands for `target` receive: `all` secrets, then those of the host, then
   * those of the session (the more specific wins). Never includes `SUDO_PASSWORD`.
   */
  envFor(target: SecretTarget = {}): Record<string, string> {
    const env: Record<string, string> = {};
    if (this.#entries.size === 0) return env;
    for (const e of this.#matching(target)) if (e.name !== SUDO_PASSWORD) env[e.name] = e.value;
    return env;
  }

  /** Only the variables loaded for exactly `scope` (to set them in a live session). */
  envOfScope(scope: SecretScope): Record<string, string> {
    const env: Record<string, string> = {};
    const st = scopeText(scope);
    for (const e of this.#entries.values()) {
      if (scopeText(e.scope) === st && e.name !== SUDO_PASSWORD) env[e.name] = e.value;
    }
    return env;
  }

  /**
   * The sudo password for `target`: a loaded `SUDO_PASSWORD` (session, then host, then all), else
   * for this host the configured fallback (RELAY_SHELL_SUDO_PASSWORD_ENV); null when none.
   */
  sudoPassword(target: SecretTarget = {}): string | null {
    const hit = this.#matching(target).filter((e) => e.name === SUDO_PASSWORD).at(-1);
    if (hit) return hit.value;
    return target.host === undefined ? this.#sudoFallback : null;
  }

  /** Loaded secrets: name, scope and source file (never values). */
  list(): SecretInfo[] {
    return [...this.#entries.values()].map((e) => ({
      name: e.name,
      scope: scopeText(e.scope),
      source: e.source,
    }));
  }

  /**
   * Forgets secrets (all, or those named; in every scope, or only `scope`) so new commands no
   * longer receive them. Their values stay redacted (see the module comment). Returns what went.
   */
  clear(names?: readonly string[], scope?: SecretScope): SecretInfo[] {
    const wanted = names && names.length ? new Set(names) : null;
    const st = scope ? scopeText(scope) : null;
    const out: SecretInfo[] = [];
    for (const [key, e] of [...this.#entries]) {
      if (wanted && !wanted.has(e.name)) continue;
      if (st && scopeText(e.scope) !== st) continue;
      this.#entries.delete(key);
      out.push({ name: e.name, scope: scopeText(e.scope), source: e.source });
    }
    return out;
  }
}
