/**
 * Loads the configuration: defaults, then an optional YAML/JSON file, then `RELAY_SHELL_*`
 * environment variables (the environment wins). Validated by one zod schema built from the field
 * table; the result is frozen. Any invalid value stops start-up with a message naming the variable.
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import { envName, type Field, FIELDS, fileKey, type Toolset } from "./fields.ts";

/** The validated, frozen configuration. */
export interface Config {
  readonly transport: "stdio" | "http";
  readonly httpHost: string;
  readonly httpPort: number;
  readonly httpTokenFile: string;
  readonly httpAllowUnauthenticated: boolean;
  readonly httpAllowedHosts: readonly string[];
  readonly httpAllowedOrigins: readonly string[];
  readonly maxOutput: number;
  readonly maxOutputHard: number;
  readonly defaultTimeout: number;
  readonly maxTimeout: number;
  readonly policyMode: "open" | "guarded" | "readonly";
  readonly policyDeny: string;
  readonly policyAllow: string;
  readonly confirmTier3: boolean;
  readonly confirmTtl: number;
  readonly maxSessions: number;
  readonly sessionBufferBytes: number;
  readonly sessionIdleTimeout: number;
  readonly sessionMaxLifetime: number;
  readonly inlineWait: number;
  readonly jobSpoolMaxBytes: number;
  readonly jobSpoolTotalBytes: number;
  readonly jobRetention: number;
  readonly sudoPasswordEnv: string;
  readonly sshConfig: string;
  readonly inventory: string;
  readonly sshKnownHosts: "strict" | "accept-new" | "ignore";
  readonly sshConnectTimeout: number;
  readonly sshKeepalive: number;
  readonly sshIdleTimeout: number;
  readonly maxConns: number;
  readonly maxForwards: number;
  readonly transferEngine: "auto" | "ssh2" | "openssh";
  readonly stateDir: string;
  readonly auditPath: string;
  readonly auditStderr: boolean;
  readonly auditChain: boolean;
  readonly toolsets: readonly Toolset[];
  readonly logLevel: "debug" | "info" | "warn" | "error";
  /** The configuration file that was read, or "" for none. */
  readonly configFile: string;
}

/** An invalid configuration value; `variable` names the environment variable or file key. */
export class ConfigError extends Error {
  /** The variable (e.g. `RELAY_SHELL_MAX_OUTPUT`) or file key at fault. */
  readonly variable: string;
  /** Builds the error; the message already names the variable. */
  constructor(variable: string, message: string, options?: ErrorOptions) {
    super(`${variable}: ${message}`, options);
    this.name = "ConfigError";
    this.variable = variable;
  }
}

/** Options for {@linkcode loadConfig}. */
export interface LoadConfigOptions {
  /** The environment (default: `Deno.env.toObject()`). */
  env?: Record<string, string | undefined>;
  /** A configuration file (`--config`); otherwise `RELAY_SHELL_CONFIG` from `env`. */
  file?: string;
  /** Reads the file (injectable for tests). */
  readTextFile?: (path: string) => string;
}

/** `MAX_OUTPUT_HARD` -> `maxOutputHard`. */
export function camelKey(field: Field): string {
  return field.env.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

function fieldSchema(field: Field): z.ZodType {
  switch (field.kind) {
    case "int":
      return z.preprocess(
        (v) => (typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v),
        z.number({ error: `must be an integer between ${field.min} and ${field.max}` })
          .int({ error: `must be an integer between ${field.min} and ${field.max}` })
          .min(field.min, { error: `must be at least ${field.min}` })
          .max(field.max, { error: `must be at most ${field.max}` }),
      );
    case "bool":
      return z.preprocess((v) => {
        if (typeof v !== "string") return v;
        const s = v.trim().toLowerCase();
        return TRUE.has(s) ? true : FALSE.has(s) ? false : v;
      }, z.boolean({ error: "must be true or false (also 1/0, yes/no, on/off)" }));
    case "enum":
      return z.preprocess(
        (v) => (typeof v === "string" ? v.trim().toLowerCase() : v),
        z.enum(field.values as [string, ...string[]], {
          error: `must be one of ${field.values.join(", ")}`,
        }),
      );
    case "string":
      return z.string({ error: "must be text" });
    case "list": {
      const item = field.values
        ? z.enum(field.values as [string, ...string[]], {
          error: `each entry must be one of ${field.values.join(", ")}`,
        })
        : z.string().min(1);
      return z.preprocess((v) => {
        if (typeof v !== "string") return v;
        return v.split(/[\s,]+/).map((s) => s.trim()).filter((s) => s !== "");
      }, z.array(item, { error: "must be a comma-separated list" }));
    }
  }
}

/** The zod schema of the whole configuration, keyed by camelCase field name. */
export const configSchema = z.object(
  Object.fromEntries(FIELDS.map((f) => [camelKey(f), fieldSchema(f)])),
);

function expandHome(path: string, env: Record<string, string | undefined>): string {
  if (path === "~") return env.HOME ?? path;
  if (path.startsWith("~/")) return `${env.HOME ?? ""}/${path.slice(2)}`;
  return path;
}

function readConfigFile(
  path: string,
  read: (path: string) => string,
): Record<string, unknown> {
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    throw new ConfigError(
      "RELAY_SHELL_CONFIG",
      `cannot read ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  let data: unknown;
  try {
    data = parseYaml(text); // YAML is a superset of JSON
  } catch (err) {
    throw new ConfigError(
      "RELAY_SHELL_CONFIG",
      `${path} is not valid YAML/JSON: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError("RELAY_SHELL_CONFIG", `${path} must hold a mapping of settings`);
  }
  return data as Record<string, unknown>;
}

/** Loads, validates and freezes the configuration; throws {@linkcode ConfigError}. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? Deno.env.toObject();
  const read = options.readTextFile ?? Deno.readTextFileSync;
  const file = options.file ?? env.RELAY_SHELL_CONFIG ?? "";
  const fromFile = file ? readConfigFile(expandHome(file, env), read) : {};

  const known = new Map(FIELDS.map((f) => [fileKey(f), f]));
  for (const key of Object.keys(fromFile)) {
    if (!known.has(key)) {
      throw new ConfigError(
        key,
        `unknown setting in ${file}; known settings: ${[...known.keys()].join(", ")}`,
      );
    }
  }

  // Defaults that depend on other values (AUDIT_PATH under STATE_DIR) see the file's values too.
  const effectiveEnv: Record<string, string | undefined> = { ...env };
  if (effectiveEnv.RELAY_SHELL_STATE_DIR === undefined && typeof fromFile.state_dir === "string") {
    effectiveEnv.RELAY_SHELL_STATE_DIR = expandHome(fromFile.state_dir, env);
  }

  const raw: Record<string, unknown> = {};
  const source = new Map<string, string>();
  for (const field of FIELDS) {
    const key = camelKey(field);
    const e = env[envName(field)];
    if (e !== undefined) {
      raw[key] = e;
      source.set(key, envName(field));
    } else if (fromFile[fileKey(field)] !== undefined) {
      raw[key] = fromFile[fileKey(field)];
      source.set(key, `${fileKey(field)} (in ${file})`);
    } else {
      raw[key] = typeof field.default === "function" ? field.default(effectiveEnv) : field.default;
      source.set(key, envName(field));
    }
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? "");
    const shown = raw[key];
    const got = typeof shown === "string" || typeof shown === "number"
      ? ` (got ${JSON.stringify(shown)})`
      : "";
    throw new ConfigError(source.get(key) ?? key, `${issue.message}${got}`);
  }
  const c = parsed.data as Record<string, unknown>;
  for (const k of ["stateDir", "auditPath", "httpTokenFile", "sshConfig", "inventory"]) {
    c[k] = expandHome(c[k] as string, env);
  }
  for (const k of ["stateDir", "auditPath"]) {
    if (!(c[k] as string).startsWith("/")) {
      throw new ConfigError(
        source.get(k) ?? k,
        `must be an absolute path (got ${JSON.stringify(c[k])})`,
      );
    }
  }
  if ((c.maxOutput as number) > (c.maxOutputHard as number)) {
    throw new ConfigError(
      source.get("maxOutput") ?? "RELAY_SHELL_MAX_OUTPUT",
      `must not exceed RELAY_SHELL_MAX_OUTPUT_HARD (${c.maxOutputHard})`,
    );
  }
  if ((c.defaultTimeout as number) > (c.maxTimeout as number)) {
    throw new ConfigError(
      source.get("defaultTimeout") ?? "RELAY_SHELL_DEFAULT_TIMEOUT",
      `must not exceed RELAY_SHELL_MAX_TIMEOUT (${c.maxTimeout})`,
    );
  }
  if ((c.jobSpoolMaxBytes as number) > (c.jobSpoolTotalBytes as number)) {
    throw new ConfigError(
      source.get("jobSpoolMaxBytes") ?? "RELAY_SHELL_JOB_SPOOL_MAX_BYTES",
      `must not exceed RELAY_SHELL_JOB_SPOOL_TOTAL_BYTES (${c.jobSpoolTotalBytes})`,
    );
  }
  const sudoEnv = c.sudoPasswordEnv as string;
  if (sudoEnv !== "" && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(sudoEnv)) {
    throw new ConfigError(
      source.get("sudoPasswordEnv") ?? "RELAY_SHELL_SUDO_PASSWORD_ENV",
      `must be an environment variable name (got ${JSON.stringify(sudoEnv)})`,
    );
  }
  c.toolsets = [...new Set(c.toolsets as string[])];
  if ((c.toolsets as string[]).length === 0) {
    throw new ConfigError(
      source.get("toolsets") ?? "RELAY_SHELL_TOOLSETS",
      "must name at least one tool group",
    );
  }
  c.configFile = file;
  return Object.freeze(c) as unknown as Config;
}
