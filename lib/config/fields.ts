/**
 * The one table of configuration fields: environment name, file key, kind, default and bounds.
 * Parsing, validation messages, `--help`, `check-config` and the README table all come from it.
 */

/** The tool groups `RELAY_SHELL_TOOLSETS` can choose from. */
export const TOOLSETS = [
  "local",
  "sessions",
  "ssh",
  "files",
  "forwards",
  "secrets",
  "admin",
] as const;

/** A tool group name. */
export type Toolset = typeof TOOLSETS[number];

interface FieldBase {
  /** Environment variable without the `RELAY_SHELL_` prefix, e.g. `MAX_OUTPUT`. */
  env: string;
  /** One line for docs and `--help`. */
  doc: string;
}

/** An integer field with inclusive bounds. */
export interface IntField extends FieldBase {
  kind: "int";
  default: number;
  min: number;
  max: number;
}

/** A boolean field (`true/false/1/0/yes/no/on/off`). */
export interface BoolField extends FieldBase {
  kind: "bool";
  default: boolean;
}

/** One of a fixed set of lower-case words. */
export interface EnumField extends FieldBase {
  kind: "enum";
  default: string;
  values: readonly string[];
}

/** Free text; `default` may be computed from the environment (paths under the state dir). */
export interface StringField extends FieldBase {
  kind: "string";
  default: string | ((env: Record<string, string | undefined>) => string);
}

/** A comma- or space-separated list of words, optionally restricted to `values`. */
export interface ListField extends FieldBase {
  kind: "list";
  default: readonly string[];
  values?: readonly string[];
}

/** Any configuration field. */
export type Field = IntField | BoolField | EnumField | StringField | ListField;

const MIB = 1024 * 1024;

function home(env: Record<string, string | undefined>): string {
  return env.HOME ?? "/root";
}

/** The default state directory: `$XDG_STATE_HOME/relay-shell` or `~/.local/state/relay-shell`. */
export function defaultStateDir(env: Record<string, string | undefined>): string {
  const xdg = env.XDG_STATE_HOME;
  return xdg && xdg.startsWith("/")
    ? `${xdg}/relay-shell`
    : `${home(env)}/.local/state/relay-shell`;
}

/** Every configuration field, in documentation order. */
export const FIELDS: readonly Field[] = [
  {
    env: "TRANSPORT",
    kind: "enum",
    default: "stdio",
    values: ["stdio", "http"],
    doc: "stdio (default) or http (Streamable HTTP at /mcp)",
  },
  { env: "HTTP_HOST", kind: "string", default: "127.0.0.1", doc: "HTTP bind address" },
  {
    env: "HTTP_PORT",
    kind: "int",
    default: 8080,
    min: 0,
    max: 65535,
    doc: "HTTP bind port (0 = pick a free port)",
  },
  {
    env: "HTTP_TOKEN_FILE",
    kind: "string",
    default: "",
    doc: "file holding a static bearer token required on every HTTP request",
  },
  {
    env: "HTTP_ALLOW_UNAUTHENTICATED",
    kind: "bool",
    default: false,
    doc: "allow binding a non-loopback address with no token (not recommended)",
  },
  {
    env: "HTTP_ALLOWED_HOSTS",
    kind: "list",
    default: [],
    doc: "extra Host header values accepted (host or host:port), e.g. behind a proxy",
  },
  {
    env: "HTTP_ALLOWED_ORIGINS",
    kind: "list",
    default: [],
    doc: "extra Origin values accepted (scheme://host[:port])",
  },
  {
    env: "MAX_OUTPUT",
    kind: "int",
    default: 65536,
    min: 1024,
    max: 16 * MIB,
    doc: "default output bytes returned per call",
  },
  {
    env: "MAX_OUTPUT_HARD",
    kind: "int",
    default: MIB,
    min: 4096,
    max: 128 * MIB,
    doc: "ceiling for max_output and for any tool result",
  },
  {
    env: "DEFAULT_TIMEOUT",
    kind: "int",
    default: 60,
    min: 1,
    max: 86400,
    doc: "default command timeout in seconds",
  },
  {
    env: "MAX_TIMEOUT",
    kind: "int",
    default: 900,
    min: 1,
    max: 86400,
    doc: "ceiling for any timeout in seconds",
  },
  {
    env: "POLICY_MODE",
    kind: "enum",
    default: "open",
    values: ["open", "guarded", "readonly"],
    doc: "open (all allowed, audited), guarded (tier >= 2 needs POLICY_ALLOW), readonly (tier 0)",
  },
  {
    env: "POLICY_DENY",
    kind: "string",
    default: "",
    doc: 'RE2 regex over "<tool> <command/args>"; a match refuses the call in every mode',
  },
  {
    env: "POLICY_ALLOW",
    kind: "string",
    default: "",
    doc: "RE2 regex; in guarded mode a match admits a tier >= 2 call",
  },
  {
    env: "CONFIRM_TIER3",
    kind: "bool",
    default: false,
    doc: "tier-3 calls need operation_confirm(token) and an identical re-issue",
  },
  {
    env: "CONFIRM_TTL",
    kind: "int",
    default: 120,
    min: 5,
    max: 3600,
    doc: "lifetime of a confirmation token in seconds",
  },
  {
    env: "MAX_SESSIONS",
    kind: "int",
    default: 64,
    min: 1,
    max: 1024,
    doc: "live sessions (PTYs and background jobs) at once",
  },
  {
    env: "SESSION_BUFFER_BYTES",
    kind: "int",
    default: 262144,
    min: 4096,
    max: 16 * MIB,
    doc: "output ring buffer per session",
  },
  {
    env: "SESSION_IDLE_TIMEOUT",
    kind: "int",
    default: 1800,
    min: 10,
    max: 604800,
    doc: "seconds without activity before a session is closed",
  },
  {
    env: "SESSION_MAX_LIFETIME",
    kind: "int",
    default: 0,
    min: 0,
    max: 2592000,
    doc: "seconds a session may live at most (0 = no limit)",
  },
  {
    env: "INLINE_WAIT",
    kind: "int",
    default: 30,
    min: 0,
    max: 55,
    doc: "seconds shell_exec waits inline before a still-running command becomes a job",
  },
  {
    env: "JOB_SPOOL_MAX_BYTES",
    kind: "int",
    default: 64 * MIB,
    min: 65536,
    max: 16384 * MIB,
    doc: "output spooled to disk per job; beyond it the head and the newest tail are kept",
  },
  {
    env: "JOB_SPOOL_TOTAL_BYTES",
    kind: "int",
    default: 1024 * MIB,
    min: MIB,
    max: 1024 * 1024 * MIB,
    doc: "spool bytes of all jobs together; the oldest ended jobs' spools go first",
  },
  {
    env: "JOB_RETENTION",
    kind: "int",
    default: 86400,
    min: 60,
    max: 2592000,
    doc: "seconds an ended job's spool is kept for paging",
  },
  {
    env: "SUDO_PASSWORD_ENV",
    kind: "string",
    default: "",
    doc: "environment variable holding the local sudo password (a loaded SUDO_PASSWORD wins)",
  },
  {
    env: "SSH_CONFIG",
    kind: "string",
    default: "~/.ssh/config",
    doc: 'OpenSSH client config read for host aliases ("" = none)',
  },
  {
    env: "INVENTORY",
    kind: "string",
    default: "",
    doc: "inventory file (YAML or JSON): hosts, groups, credential variable names",
  },
  {
    env: "SSH_KNOWN_HOSTS",
    kind: "enum",
    default: "accept-new",
    values: ["strict", "accept-new", "ignore"],
    doc: "host-key checking: strict, accept-new (trust on first use), ignore",
  },
  {
    env: "SSH_CONNECT_TIMEOUT",
    kind: "int",
    default: 10,
    min: 1,
    max: 120,
    doc: "seconds to connect and authenticate (ssh_config ConnectTimeout wins)",
  },
  {
    env: "SSH_KEEPALIVE",
    kind: "int",
    default: 30,
    min: 0,
    max: 600,
    doc: "seconds between keepalives (0 = off; ssh_config ServerAliveInterval wins)",
  },
  {
    env: "SSH_IDLE_TIMEOUT",
    kind: "int",
    default: 1800,
    min: 0,
    max: 86400,
    doc: "seconds an unused pooled SSH connection stays open (0 = until shutdown)",
  },
  {
    env: "MAX_CONNS",
    kind: "int",
    default: 256,
    min: 1,
    max: 4096,
    doc: "pooled SSH connections at once",
  },
  {
    env: "MAX_FORWARDS",
    kind: "int",
    default: 64,
    min: 1,
    max: 1024,
    doc: "port forwards (ssh_forward) open at once",
  },
  {
    env: "TRANSFER_ENGINE",
    kind: "enum",
    default: "auto",
    values: ["auto", "ssh2", "openssh"],
    doc:
      "file bytes of ssh_upload/download: auto (system ssh for files >= 4 MiB if usable), ssh2, openssh",
  },
  {
    env: "STATE_DIR",
    kind: "string",
    default: defaultStateDir,
    doc: "state directory (default ~/.local/state/relay-shell)",
  },
  {
    env: "AUDIT_PATH",
    kind: "string",
    default: (env) => `${env.RELAY_SHELL_STATE_DIR || defaultStateDir(env)}/audit.jsonl`,
    doc: "audit log (JSONL, 0600, append-only; default <STATE_DIR>/audit.jsonl)",
  },
  {
    env: "AUDIT_STDERR",
    kind: "bool",
    default: false,
    doc: "also write each audit line to stderr",
  },
  {
    env: "AUDIT_CHAIN",
    kind: "bool",
    default: true,
    doc: "hash-chain the audit records (seq, prev, chain)",
  },
  {
    env: "TOOLSETS",
    kind: "list",
    default: TOOLSETS,
    values: TOOLSETS,
    doc: "tool groups exposed: local, sessions, ssh, files, forwards, secrets, admin",
  },
  {
    env: "LOG_LEVEL",
    kind: "enum",
    default: "info",
    values: ["debug", "info", "warn", "error"],
    doc: "stderr log level",
  },
];

/** `MAX_OUTPUT` -> `max_output` (the key used in a YAML configuration file). */
export function fileKey(field: Field): string {
  return field.env.toLowerCase();
}

/** `MAX_OUTPUT` -> `RELAY_SHELL_MAX_OUTPUT`. */
export function envName(field: Field): string {
  return `RELAY_SHELL_${field.env}`;
}
