/**
 * relay-shell: the composition root. Parses the command line, loads the configuration, builds
 * the services, and serves MCP over stdio or HTTP. Importing this module has no side effects.
 * @module
 */
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/server";
import denoJson from "./deno.json" with { type: "json" };
import { AuditLog, tailAudit, verifyAuditFile } from "./lib/audit/mod.ts";
import { type Command, parseCommandLine, USAGE, UsageError } from "./lib/cli/mod.ts";
import { type Config, ConfigError, loadConfig } from "./lib/config/mod.ts";
import { ProcessGroups, withholdFromChildren } from "./lib/exec/mod.ts";
import { createLogger, flushLogs, type Logger, writeStderrLine } from "./lib/log/mod.ts";
import {
  buildInstructions,
  createHttpHandler,
  createServerFactory,
  defaultAllowedHosts,
  defaultAllowedOrigins,
  type HttpAuthenticator,
  type HttpHandler,
  isLoopbackHost,
  serveHttpTransport,
  serveStdioTransport,
  staticBearerAuthenticator,
  type SurfaceRegistrar,
} from "./lib/mcp/mod.ts";
import {
  CommandClassifier,
  compilePolicyPattern,
  ConfirmationBroker,
  Policy,
  PolicyPatternError,
} from "./lib/policy/mod.ts";
import { JobManager } from "./lib/jobs/mod.ts";
import { Redactor } from "./lib/redact/mod.ts";
import { SecretStore } from "./lib/secrets/mod.ts";
import { Runner } from "./lib/runner/mod.ts";
import { SessionRegistry } from "./lib/sessions/mod.ts";
import { ForwardManager, HostResolver, SshPool } from "./lib/ssh/mod.ts";
import { buildTools, type ToolDeps } from "./tools/mod.ts";
import { sshResources } from "./tools/ssh_resources.ts";

/** The relay-shell version (from deno.json). */
export const VERSION: string = denoJson.version;

const PERMISSION_NAMES = ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const;

/** The Deno permissions this process holds, by name (`granted`, `prompt` or `denied`). */
export function grantedPermissions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PERMISSION_NAMES) {
    try {
      out[name] = Deno.permissions.querySync({ name } as Deno.PermissionDescriptor).state;
    } catch {
      out[name] = "unknown";
    }
  }
  return out;
}

function say(text: string): void {
  // CLI subcommands (never the server) print their answer on stdout.
  Deno.stdout.writeSync(new TextEncoder().encode(text.endsWith("\n") ? text : text + "\n"));
}

function complain(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`relay-shell: ${text}\n`));
}

/** Services shared by both transports. */
export interface Services {
  config: Config;
  logger: Logger;
  audit: AuditLog;
  groups: ProcessGroups;
  sessions: SessionRegistry;
  sshPool: SshPool;
  forwards: ForwardManager;
  jobs: JobManager;
  surfaces: SurfaceRegistrar[];
  runner: Runner;
  instructions: string;
  shutdown: AbortController;
}

/**
 * The local sudo password from the variable RELAY_SHELL_SUDO_PASSWORD_ENV names. The variable is
 * removed from this process's environment, so no child inherits it.
 */
function takeSudoPassword(config: Config, logger: Logger): string | undefined {
  const name = config.sudoPasswordEnv;
  if (!name) return undefined;
  const value = Deno.env.get(name);
  Deno.env.delete(name);
  if (!value) logger.warn("RELAY_SHELL_SUDO_PASSWORD_ENV names an unset variable", { name });
  return value || undefined;
}

/** Background jobs with their spools under <STATE_DIR>/jobs (ring buffers only if that fails). */
function openJobs(
  config: Config,
  sessions: SessionRegistry,
  audit: AuditLog,
  logger: Logger,
): JobManager {
  const spool = {
    dir: `${config.stateDir}/jobs`,
    maxBytes: config.jobSpoolMaxBytes,
    totalBytes: config.jobSpoolTotalBytes,
    retentionMs: config.jobRetention * 1000,
  };
  try {
    return new JobManager({ sessions, spool, audit, logger });
  } catch (err) {
    logger.warn("cannot open the job spool directory; jobs keep their ring buffer only", {
      dir: spool.dir,
      error: (err as Error)?.message ?? String(err),
    });
    return new JobManager({ sessions, spool: null, audit, logger });
  }
}

/** Builds every service the server runs on (exported for in-process benchmarks and tests). */
export async function buildServices(config: Config, transport: string): Promise<Services> {
  const redactor = new Redactor();
  const logger = createLogger({ level: config.logLevel, redact: (l) => redactor.redact(l) });
  const deny = compilePolicyPattern(config.policyDeny, "RELAY_SHELL_POLICY_DENY");
  const allow = compilePolicyPattern(config.policyAllow, "RELAY_SHELL_POLICY_ALLOW");
  const classifier = await CommandClassifier.create();
  const policy = new Policy({ mode: config.policyMode, deny, allow, classifier });
  const audit = await AuditLog.open({
    path: config.auditPath,
    chain: config.auditChain,
    stderr: config.auditStderr,
    logger,
    // AUDIT copies bypass the log level; they pass through redaction like every stderr line.
    writeStderr: (line) => writeStderrLine(redactor.redact(line)),
  });
  const broker = config.confirmTier3
    ? new ConfirmationBroker({ ttlMs: config.confirmTtl * 1000 })
    : null;
  const groups = new ProcessGroups();
  const sessions = new SessionRegistry({
    maxSessions: config.maxSessions,
    bufferBytes: config.sessionBufferBytes,
    idleTimeoutMs: config.sessionIdleTimeout * 1000,
    maxLifetimeMs: config.sessionMaxLifetime * 1000,
    logger,
  });
  const jobs = openJobs(config, sessions, audit, logger);
  const secrets = new SecretStore({ redactor, sudoPassword: takeSudoPassword(config, logger) });
  // Credential variables the inventory names reach no child, and their values are redacted.
  const resolver = HostResolver.fromConfig(config, {
    logger,
    onInventory: (data) => {
      const names = [...data.hosts.values()].flatMap((h) =>
        [h.passwordEnv, h.passphraseEnv, h.sudoPasswordEnv].filter((n): n is string => !!n)
      );
      withholdFromChildren(names);
      for (const n of names) {
        const v = Deno.env.get(n);
        if (v) redactor.register(v);
      }
    },
  });
  resolver.inventory.current(); // load it now: the guard holds before the first call
  const sshPool = new SshPool({
    maxConns: config.maxConns,
    idleTimeoutMs: config.sshIdleTimeout * 1000,
    // Credential values read for SSH (password_env, passphrase_env) are hidden in all output.
    onSecret: (value) => redactor.register(value),
    logger,
  });
  const forwards = new ForwardManager({ pool: sshPool, maxForwards: config.maxForwards, logger });
  const shutdown = new AbortController();
  const deps: ToolDeps = {
    config,
    groups,
    sessions,
    resolver,
    sshPool,
    forwards,
    jobs,
    secrets,
    audit,
    broker,
    redactor,
    logger,
    facts: {
      version: VERSION,
      transport,
      protocolVersions: SUPPORTED_PROTOCOL_VERSIONS,
      permissions: grantedPermissions(),
    },
  };
  const runner = new Runner({
    tools: buildTools(deps),
    policy,
    redactor,
    audit,
    confirm: broker,
    confirmTtlSeconds: config.confirmTtl,
    maxResultBytes: config.maxOutputHard,
    logger,
    shutdownSignal: shutdown.signal,
  });
  return {
    config,
    logger,
    audit,
    groups,
    sessions,
    sshPool,
    forwards,
    jobs,
    surfaces: config.toolsets.includes("ssh")
      ? [sshResources({ resolver, audit, redactor, sshConfigPath: config.sshConfig })]
      : [],
    runner,
    instructions: buildInstructions(config.toolsets),
    shutdown,
  };
}

async function readToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new ConfigError(
      "RELAY_SHELL_HTTP_TOKEN_FILE",
      `cannot read ${path}: ${(err as Error).message}`,
    );
  }
  const token = text.trim();
  if (token.length < 16 || /\s/.test(token)) {
    throw new ConfigError(
      "RELAY_SHELL_HTTP_TOKEN_FILE",
      `${path} must hold one token of at least 16 characters without spaces`,
    );
  }
  return token;
}

async function serve(config: Config): Promise<number> {
  const s = await buildServices(config, config.transport);
  const { logger } = s;
  const factory = createServerFactory({
    runner: s.runner,
    version: VERSION,
    instructions: s.instructions,
    surfaces: s.surfaces,
    logger,
  });
  const sweeper = setInterval(() => s.groups.sweep(), 30_000);
  Deno.unrefTimer(sweeper);

  let stopped = false;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const stop = async (why: string) => {
    if (stopped) return;
    stopped = true;
    logger.info("shutting down", { reason: why });
    s.shutdown.abort(new Error(`server shutting down (${why})`));
    clearInterval(sweeper);
    await s.sessions.closeAll();
    await s.jobs.close();
    await s.forwards.closeAll();
    await s.sshPool.closeAll();
    const killed = await s.groups.killAll(2000);
    if (killed) logger.info("terminated leftover process groups", { count: killed });
    await s.audit.close();
    done();
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => stop(sig));
  }

  if (config.transport === "stdio") {
    const conn = serveStdioTransport(factory, logger);
    logger.info("serving MCP on stdio", {
      version: VERSION,
      audit: config.auditPath,
      policy: config.policyMode,
    });
    conn.closed.then(() => stop("stdin closed"));
    await finished;
    await conn.close().catch(() => {});
  } else {
    let authenticator: HttpAuthenticator | undefined;
    if (config.httpTokenFile) {
      authenticator = staticBearerAuthenticator(await readToken(config.httpTokenFile));
    }
    if (!isLoopbackHost(config.httpHost) && !authenticator && !config.httpAllowUnauthenticated) {
      throw new ConfigError(
        "RELAY_SHELL_HTTP_HOST",
        `refusing to bind non-loopback address ${config.httpHost} without authentication; set RELAY_SHELL_HTTP_TOKEN_FILE (or RELAY_SHELL_HTTP_ALLOW_UNAUTHENTICATED=true to force)`,
      );
    }
    const listenAbort = new AbortController();
    // Port 0 means "any": bind first, then build the allowlists from the real port. Requests
    // cannot arrive before the handler exists: they are served after this synchronous block.
    const box: { handler?: HttpHandler } = {};
    const serving = serveHttpTransport({
      fetch: (req) => box.handler!.fetch(req),
      close: () => box.handler?.close() ?? Promise.resolve(),
    }, { hostname: config.httpHost, port: config.httpPort, signal: listenAbort.signal, logger });
    const port = serving.addr.port;
    const hosts = defaultAllowedHosts(config.httpHost, port, config.httpAllowedHosts);
    const handler = createHttpHandler({
      factory,
      allowedHosts: hosts,
      allowedOrigins: defaultAllowedOrigins(hosts, config.httpAllowedOrigins),
      authenticator,
      logger,
    });
    box.handler = handler;
    const shown = config.httpHost.includes(":") ? `[${config.httpHost}]` : config.httpHost;
    logger.info(`listening on http://${shown}:${port}/mcp`, {
      version: VERSION,
      auth: authenticator ? "bearer" : "none",
      audit: config.auditPath,
      policy: config.policyMode,
    });
    await finished;
    listenAbort.abort();
    await handler.close().catch(() => {});
    await serving.finished.catch(() => {});
  }
  logger.info("stopped");
  return 0;
}

async function checkConfig(config: Config, json: boolean): Promise<number> {
  const s = await buildServices(config, config.transport);
  const st = s.audit.status();
  await s.sessions.closeAll();
  await s.jobs.close();
  await s.forwards.closeAll();
  await s.sshPool.closeAll();
  await s.audit.close();
  const tools = s.runner.tools.map((t) => t.name);
  const report = { ok: !st.degraded, config, audit: st, tools };
  if (json) say(JSON.stringify(report, null, 2));
  else {
    say(`configuration OK${config.configFile ? ` (file ${config.configFile})` : ""}`);
    say(`transport ${config.transport}, policy ${config.policyMode}, ${tools.length} tools`);
    say(`audit ${st.path}${st.degraded ? ` DEGRADED: ${st.reason}` : ""}`);
  }
  return st.degraded ? 2 : 0;
}

function auditPath(cmd: { path?: string; config?: string }): string {
  return cmd.path ?? loadConfig({ file: cmd.config }).auditPath;
}

/** Runs one command line; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let cmd: Command;
  try {
    cmd = parseCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      complain(err.message);
      return 2;
    }
    throw err;
  }
  try {
    switch (cmd.kind) {
      case "help":
        say(USAGE);
        return 0;
      case "version":
        say(`relay-shell ${VERSION} (deno ${Deno.version.deno})`);
        return 0;
      case "serve":
        return await serve(loadConfig({ file: cmd.config }));
      case "check-config":
        return await checkConfig(loadConfig({ file: cmd.config }), cmd.json);
      case "audit-verify": {
        const r = await verifyAuditFile(auditPath(cmd), { segment: cmd.segment });
        if (cmd.json) say(JSON.stringify(r));
        else {say(
            r.ok
              ? `audit chain intact: ${r.chained_records} records (seq ${r.start_seq}..${r.head_seq}) in ${r.path}`
              : `audit chain BROKEN in ${r.path}${
                r.broken_at ? ` at line ${r.broken_at}` : ""
              }: ${r.reason}`,
          );}
        return r.ok ? 0 : 2;
      }
      case "audit-tail": {
        const records = await tailAudit(auditPath(cmd), {
          lines: cmd.lines,
          tool: cmd.tool,
          tier: cmd.tier,
          denied: cmd.denied,
        });
        if (cmd.json) say(JSON.stringify(records));
        else for (const r of records) say(JSON.stringify(r));
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PolicyPatternError) {
      complain(err.message);
      return 2;
    }
    complain(`fatal: ${(err as Error)?.stack ?? String(err)}`);
    return 1;
  } finally {
    flushLogs();
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
