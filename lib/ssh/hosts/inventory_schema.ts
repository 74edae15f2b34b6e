/**
 * The inventory entry schema (zod) and its normalised form. Credentials appear only as the
 * NAMES of environment variables (`password_env`, `passphrase_env`, `sudo_password_env`), never
 * as values. Unknown keys are errors with a did-you-mean hint: a misspelt `known_hosts` must not
 * silently weaken host-key checking.
 */
import { RE2JS } from "re2js";
import { z } from "zod";
import { KNOWN_HOSTS_MODES, type KnownHostsMode } from "../known_hosts.ts";
import { checkHostName, checkUserName, parseJumpChain } from "./host_token.ts";

/** Remote shell kinds: a POSIX shell, or a prompt-driven network-device CLI. */
export type RemoteShell = "posix" | "cli";

/** Paging and prompt presets for network devices. */
export type DeviceVendor = "cisco" | "juniper" | "mikrotik" | "generic";

/** Every {@linkcode DeviceVendor}. */
export const DEVICE_VENDORS: readonly DeviceVendor[] = ["cisco", "juniper", "mikrotik", "generic"];

/** One validated inventory host. */
export interface InventoryHost {
  /** The alias (the mapping key). */
  readonly alias: string;
  /** HostName, if set. */
  readonly hostname?: string;
  /** Remote user, if set. */
  readonly user?: string;
  /** Port, if set. */
  readonly port?: number;
  /** Identity files as written (`~` not expanded yet), if set. */
  readonly identityFiles?: readonly string[];
  /** ProxyJump chain, if set (`none` disables one from ssh_config). */
  readonly jump?: string;
  /** Host-key mode, if set. */
  readonly knownHosts?: KnownHostsMode;
  /** Name of the variable holding the login password. */
  readonly passwordEnv?: string;
  /** Name of the variable holding the key passphrase. */
  readonly passphraseEnv?: string;
  /** Name of the variable holding the sudo password. */
  readonly sudoPasswordEnv?: string;
  /** Groups named on the entry. */
  readonly groups: readonly string[];
  /** `posix` (default) or `cli`. */
  readonly shell?: RemoteShell;
  /** RE2 regex that matches the device prompt (cli hosts). */
  readonly promptRegex?: string;
  /** Device preset. */
  readonly vendor?: DeviceVendor;
}

/** Names of aliases and groups: a letter or digit first, then letters, digits, `._-`. */
export const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const envName = z.string().regex(ENV_NAME, {
  error: "must be the NAME of an environment variable (letters, digits, _), not its value",
});

const hostnameSchema = z.string().refine((v) => {
  try {
    checkHostName(v, "hostname");
    return true;
  } catch {
    return false;
  }
}, { error: "must be a host name or address (no spaces, not starting with '-')" });

const userSchema = z.string().refine((v) => {
  try {
    checkUserName(v, "user");
    return true;
  } catch {
    return false;
  }
}, { error: "must be a user name (no spaces or ':', not starting with '-')" });

const portSchema = z.union([z.number(), z.string().regex(/^\d{1,5}$/)])
  .transform((v) => Number(v))
  .refine((n) => Number.isInteger(n) && n >= 1 && n <= 65535, {
    error: "must be an integer in 1..65535",
  });

const pathSchema = z.string().min(1, { error: "must not be empty" });

const jumpSchema = z.string().superRefine((v, ctx) => {
  try {
    parseJumpChain(v, "jump");
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message.replace(/^jump: /, "") });
  }
});

const promptSchema = z.string().min(1).superRefine((v, ctx) => {
  try {
    RE2JS.compile(v);
  } catch (err) {
    ctx.addIssue({
      code: "custom",
      message: `is not a valid RE2 regex: ${(err as Error).message}`,
    });
  }
});

/** The zod schema of one entry (after legacy keys are renamed). */
export const inventoryEntrySchema = z.object({
  hostname: hostnameSchema.optional(),
  user: userSchema.optional(),
  port: portSchema.optional(),
  identity_file: z.union([pathSchema, z.array(pathSchema).min(1)]).optional(),
  jump: jumpSchema.optional(),
  known_hosts: z.enum(KNOWN_HOSTS_MODES as [KnownHostsMode, ...KnownHostsMode[]], {
    error: `must be one of ${KNOWN_HOSTS_MODES.join(", ")}`,
  }).optional(),
  password_env: envName.optional(),
  passphrase_env: envName.optional(),
  sudo_password_env: envName.optional(),
  groups: z.array(z.string().regex(NAME_PATTERN, { error: "must be a group name" })).optional(),
  shell: z.enum(["posix", "cli"], { error: "must be posix or cli" }).optional(),
  prompt_regex: promptSchema.optional(),
  vendor: z.enum(DEVICE_VENDORS as [DeviceVendor, ...DeviceVendor[]], {
    error: `must be one of ${DEVICE_VENDORS.join(", ")}`,
  }).optional(),
}).superRefine((v, ctx) => {
  if (v.shell === "cli" && v.prompt_regex === undefined && v.vendor === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["prompt_regex"],
      message: "is required for shell: cli (or set vendor for a preset prompt)",
    });
  }
});

/** Keys an entry may hold. */
export const ENTRY_KEYS: readonly string[] = Object.keys(inventoryEntrySchema.shape);

/** Older spellings accepted with a warning (the Python original's keys). */
export const LEGACY_KEYS: Readonly<Record<string, string>> = {
  host: "hostname",
  identityfile: "identity_file",
  proxyjump: "jump",
};

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length][b.length];
}

/** " (did you mean x?)" for the closest known key within two edits, else "". */
export function didYouMean(key: string, known: readonly string[]): string {
  let best = "";
  let bestD = 3;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best ? ` (did you mean ${best}?)` : "";
}

/** Validates one raw entry: the host, or the reasons it was rejected, plus warnings. */
export function validateInventoryEntry(
  alias: string,
  raw: unknown,
): { host?: InventoryHost; errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!NAME_PATTERN.test(alias)) {
    errors.push("alias must start with a letter, digit or _ and hold only letters, digits, '._-'");
  }
  if (raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
    errors.push("entry must be a mapping of settings (or empty)");
    return { errors, warnings };
  }
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    const key = LEGACY_KEYS[k] ?? k;
    if (key !== k) warnings.push(`key ${k} is an old spelling; use ${key}`);
    if (!ENTRY_KEYS.includes(key)) {
      errors.push(`unknown key ${JSON.stringify(k)}${didYouMean(k, ENTRY_KEYS)}`);
      continue;
    }
    if (key in input) errors.push(`key ${key} is given twice`);
    input[key] = v;
  }
  const parsed = inventoryEntrySchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      errors.push(`${issue.path.join(".") || "entry"} ${issue.message}`);
    }
  }
  if (errors.length > 0 || !parsed.success) return { errors, warnings };
  const v = parsed.data;
  if (v.vendor !== undefined && v.shell !== "cli") {
    warnings.push("vendor only applies to shell: cli");
  }
  const files = v.identity_file === undefined
    ? undefined
    : typeof v.identity_file === "string"
    ? [v.identity_file]
    : v.identity_file;
  return {
    host: {
      alias,
      hostname: v.hostname,
      user: v.user,
      port: v.port,
      identityFiles: files,
      jump: v.jump,
      knownHosts: v.known_hosts,
      passwordEnv: v.password_env,
      passphraseEnv: v.passphrase_env,
      sudoPasswordEnv: v.sudo_password_env,
      groups: [...new Set(v.groups ?? [])],
      shell: v.shell,
      promptRegex: v.prompt_regex,
      vendor: v.vendor,
    },
    errors,
    warnings,
  };
}
