/**
 * The environment every local child gets: the server's environment minus the server's own
 * settings and secrets, plus PATH/LANG defaults, non-interactive defaults, then the caller's
 * overlay (a null value removes a variable).
 */

/** Defaults applied when the server's environment lacks them. */
export const BASE_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  LANG: "C.UTF-8",
});

/** Always set, so no child stops to ask a question nobody can answer. */
export const NON_INTERACTIVE: Readonly<Record<string, string>> = Object.freeze({
  DEBIAN_FRONTEND: "noninteractive",
  GIT_TERMINAL_PROMPT: "0",
  PAGER: "cat",
  GIT_PAGER: "cat",
  EDITOR: "true",
  VISUAL: "true",
  GIT_EDITOR: "true",
  GIT_SEQUENCE_EDITOR: "true",
});

/** Options for {@linkcode buildChildEnv}. */
export interface ChildEnvOptions {
  /** The server's environment (default `Deno.env.toObject()`). */
  base?: Record<string, string>;
  /** Caller overlay; a null value removes the variable. */
  overlay?: Record<string, string | null>;
  /** More variable names never passed on (e.g. credential variables named by the inventory). */
  withhold?: Iterable<string>;
}

const withheld = new Set<string>();

/**
 * Names of variables no child may inherit from now on (process-wide): the credential variables
 * the inventory names (`password_env`, `passphrase_env`, `sudo_password_env`). The server still
 * reads them itself.
 */
export function withholdFromChildren(names: Iterable<string>): void {
  for (const n of names) if (n) withheld.add(n);
}

/** True for variables that configure or authenticate the server itself. */
export function isServerPrivate(name: string): boolean {
  return name.startsWith("RELAY_SHELL_") || withheld.has(name);
}

/** Builds the child environment; see the module comment for the order. */
export function buildChildEnv(options: ChildEnvOptions = {}): Record<string, string> {
  const base = options.base ?? Deno.env.toObject();
  const withhold = new Set(options.withhold ?? []);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (!isServerPrivate(k) && !withhold.has(k)) env[k] = v;
  }
  for (const [k, v] of Object.entries(BASE_DEFAULTS)) {
    if (!env[k]) env[k] = v;
  }
  Object.assign(env, NON_INTERACTIVE);
  for (const [k, v] of Object.entries(options.overlay ?? {})) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  return env;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates a caller's `env` argument: names must be shell identifiers, values strings or null.
 * Throws a TypeError naming the offending key.
 */
export function validateEnvOverlay(
  env: Record<string, unknown> | undefined,
  argument = "env",
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (env === undefined) return out;
  for (const [k, v] of Object.entries(env)) {
    if (!ENV_NAME.test(k)) {
      throw new TypeError(
        `${argument}: ${
          JSON.stringify(k)
        } is not a valid variable name (letters, digits, _; not starting with a digit)`,
      );
    }
    if (v !== null && typeof v !== "string") {
      throw new TypeError(`${argument}.${k}: must be a string, or null to remove the variable`);
    }
    if (typeof v === "string" && v.includes("\0")) {
      throw new TypeError(`${argument}.${k}: must not contain a NUL byte`);
    }
    out[k] = v as string | null;
  }
  return out;
}
