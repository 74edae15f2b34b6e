/** What tool groups receive from the composition root. */
import type { AuditLog } from "../lib/audit/mod.ts";
import type { Config } from "../lib/config/mod.ts";
import type { ProcessGroups } from "../lib/exec/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import type { ConfirmationBroker } from "../lib/policy/mod.ts";
import type { Redactor } from "../lib/redact/mod.ts";
import type { JobManager } from "../lib/jobs/mod.ts";
import type { SecretStore } from "../lib/secrets/mod.ts";
import type { SessionRegistry } from "../lib/sessions/mod.ts";
import type { ForwardManager, HostResolver, SshPool } from "../lib/ssh/mod.ts";

/** Facts about the running server for `server_info`. */
export interface ServerFacts {
  /** relay-shell version. */
  version: string;
  /** `stdio` or `http`. */
  transport: string;
  /** Protocol revisions served. */
  protocolVersions: readonly string[];
  /** Granted Deno permissions, by name. */
  permissions: Readonly<Record<string, string>>;
}

/** Shared services every tool group may use. */
export interface ToolDeps {
  /** The validated configuration. */
  config: Config;
  /** Process groups started by the server. */
  groups: ProcessGroups;
  /** The audit sink (status for server_info, path for audit_tail). */
  audit: AuditLog;
  /** Tier-3 confirmation, or null when off. */
  broker: ConfirmationBroker | null;
  /** Secret redaction. */
  redactor: Redactor;
  /** Diagnostics. */
  logger: Logger;
  /** Facts for server_info. */
  facts: ServerFacts;
  /** The session registry; the `sessions` tools are served only when present. */
  sessions?: SessionRegistry;
  /** Host resolution (inventory + ssh_config); the `ssh` tools need it and `sshPool`. */
  resolver?: HostResolver;
  /** The SSH connection pool. */
  sshPool?: SshPool;
  /** Background jobs (needs `sessions`); without it shell_exec never makes a job. */
  jobs?: JobManager;
  /** Loaded secrets; the `secrets` tools are served only when present. */
  secrets?: SecretStore;
  /** Port forwards; the `forwards` tools are served only when present (with `resolver`). */
  forwards?: ForwardManager;
}
