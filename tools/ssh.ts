/**
 * Remote execution over SSH: `ssh_exec` (one command on one host; network devices through their
 * CLI), `ssh_spawn` (a remote PTY as a session for the session tools) and `ssh_hosts` (the
 * resolved inventory). The fleet tools are in ssh_fleet.ts. Host tokens are resolved while the
 * arguments are validated, so policy, audit and Tier-3 confirmation see the effective connection.
 */
import { z } from "zod";
import { type ExecResult, splitWords } from "../lib/exec/mod.ts";
import { Tier } from "../lib/policy/tier.ts";
import { exportInShell } from "../lib/secrets/mod.ts";
import { clampInt, defineTool, type ToolDefinition, type ToolResult } from "../lib/runner/mod.ts";
import { isPosixShell, SessionLimitError, type SessionRegistry } from "../lib/sessions/mod.ts";
import {
  type HostResolver,
  type ResolvedTarget,
  spawnSshSession,
  type SshConnectionLostError,
  type SshPool,
} from "../lib/ssh/mod.ts";
import type { ToolDeps } from "./deps.ts";
import { type ExecOutput, execOutputSchema, execToolResult } from "./local.ts";
import { sshFleetTools } from "./ssh_fleet.ts";
import { sshHostsTool } from "./_ssh_hosts.ts";
import { MAX_INLINE_WAIT_S } from "./_shell_exec.ts";
import { runSshExec, sshExecTimeout } from "./_ssh_exec.ts";
import {
  effectiveOf,
  hostSubjects,
  overrideShape,
  overridesOf,
  resolveOrIssue,
} from "./_ssh_shared.ts";

/** What the ssh tools need besides the shared deps. */
export interface SshServices {
  /** Host resolution (inventory + ssh_config). */
  resolver: HostResolver;
  /** The connection pool. */
  pool: SshPool;
}

/** execToolResult, with the CLI-device wording when the host is a network device. */
export function remoteResult(r: ExecResult, timeout: number, cli: boolean): ToolResult<ExecOutput> {
  const res = execToolResult(r, timeout);
  if (!cli) return res;
  const lines = res.text.split("\n");
  if (!r.timedOut && !r.cancelled) lines[0] = "[no exit code: CLI device]";
  return { ...res, text: lines.join("\n") };
}

/** The result for a command whose connection dropped mid-way (partial output kept). */
export function lostResult(err: SshConnectionLostError) {
  const partial = err.partialBytes
    ? `\n[${err.partialBytes} bytes of output arrived before the connection dropped]\n${
      err.partialOutput ?? ""
    }`
    : "";
  return {
    structured: {} as never,
    isError: true,
    text: `${err.message}: the command's outcome is unknown; the next call reconnects.${partial}`,
  };
}

/** Checks an `env` argument: names to string values, or null to unset. */
function envOverlay(
  env: Record<string, unknown> | undefined,
): Record<string, string | null> | undefined {
  if (env === undefined) return undefined;
  for (const [k, v] of Object.entries(env)) {
    if (v !== null && typeof v !== "string") {
      throw new TypeError(`env: ${k} must be a string (or null to unset)`);
    }
  }
  return env as Record<string, string | null>;
}

/** Builds the `ssh` tool group (ssh_spawn only when a session registry is present). */
export function sshTools(deps: ToolDeps & SshServices): ToolDefinition[] {
  const c = deps.config;
  const { resolver, pool } = deps;

  const execInput = z.strictObject({
    host: z.string(),
    command: z.string(),
    timeout: z.number().optional(),
    max_output: z.number().optional(),
    stdin: z.string().optional(),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.unknown()).optional(),
    merge_stderr: z.boolean().optional(),
    pty: z.boolean().optional(),
    background: z.boolean().optional(),
    wait: z.number().meta({ maximum: MAX_INLINE_WAIT_S }).optional(),
    sudo: z.boolean().optional(),
    ...overrideShape,
  }).transform((a, ctx) => {
    const env = resolveOrIssue(ctx, "env", () => envOverlay(a.env));
    const target = resolveOrIssue(
      ctx,
      "host",
      () => resolver.resolveTarget(a.host, overridesOf(a)),
    );
    return target === z.NEVER || env === z.NEVER ? z.NEVER : { ...a, env, target };
  });

  const auditArgs = (a: z.output<typeof execInput>): Record<string, unknown> => {
    const args: Record<string, unknown> = {
      ...effectiveOf(a.target),
      command: a.command,
      timeout: sshExecTimeout(deps, a),
      max_output: clampInt(a.max_output, c.maxOutput, 1024, c.maxOutputHard),
      cwd: a.cwd ?? "",
      stdin: a.stdin ?? "",
      env: a.env ?? {},
      merge_stderr: a.merge_stderr ?? true,
      pty: a.pty ?? false,
    };
    if (a.background) args.background = true;
    if (a.wait !== undefined) args.wait = a.wait;
    if (a.sudo) args.sudo = true;
    return args;
  };

  const sshExecTool = defineTool({
    name: "ssh_exec",
    title: "SSH exec",
    description: "shell_exec on a remote host.",
    toolset: "ssh",
    input: execInput,
    output: execOutputSchema,
    tier: Tier.REVERSIBLE,
    hints: { destructive: true, openWorld: true },
    policy: (a) => ({
      commands: a.stdin ? [a.command, a.stdin] : [a.command],
      subjects: [
        ...hostSubjects([a.target]),
        ...(a.env ? [JSON.stringify(a.env)] : []),
        ...(a.sudo ? [`sudo ${a.command}`] : []),
      ],
      minTier: a.sudo ? Tier.STATEFUL : undefined,
    }),
    auditArgs,
    run(a, ctx) {
      return runSshExec({ ...deps, pool }, a, ctx, {
        done: (r, timeout) => remoteResult(r, timeout, a.target.shell === "cli"),
        lost: (err) => lostResult(err) as ToolResult<ExecOutput>,
        auditArgs: () => auditArgs(a),
      });
    },
  });

  const tools: ToolDefinition[] = [sshExecTool as ToolDefinition];
  if (deps.sessions) tools.push(sshSpawnTool(deps, deps.sessions));
  tools.push(...sshFleetTools(deps), sshHostsTool(deps));
  return tools;
}

function sshSpawnTool(deps: ToolDeps & SshServices, reg: SessionRegistry): ToolDefinition {
  const { resolver, pool } = deps;
  const input = z.strictObject({
    host: z.string(),
    command: z.string().optional(),
    cols: z.number().optional(),
    rows: z.number().optional(),
    term: z.string().optional(),
  }).transform((a, ctx) => {
    const target = resolveOrIssue(ctx, "host", () => resolver.resolveTarget(a.host));
    return target === z.NEVER ? z.NEVER : { ...a, target };
  });
  return defineTool({
    name: "ssh_spawn",
    title: "SSH PTY",
    description: "Remote PTY as a session for session_* tools.",
    toolset: "ssh",
    input,
    output: z.object({ session_id: z.string() }),
    tier: Tier.REVERSIBLE,
    hints: { destructive: true, openWorld: true },
    policy: (a) => ({ commands: [a.command?.trim() || "sh"], subjects: hostSubjects([a.target]) }),
    auditArgs: (a) => ({
      ...effectiveOf(a.target),
      command: a.command ?? "",
      size: `${clampInt(a.cols, 120, 20, 500)}x${clampInt(a.rows, 40, 5, 200)}`,
      term: a.term ?? "xterm-256color",
    }),
    async run(a, ctx) {
      const cols = clampInt(a.cols, 120, 20, 500);
      const rows = clampInt(a.rows, 40, 5, 200);
      const term = a.term?.trim() || "xterm-256color";
      if (!/^[A-Za-z0-9._+-]{1,64}$/.test(term)) {
        throw new TypeError("term: must be a terminal name such as xterm-256color");
      }
      if (!reg.hasRoom()) throw new SessionLimitError(reg.maxSessions);
      const t: ResolvedTarget = a.target;
      const command = a.command?.trim() || undefined;
      const backend = await spawnSshSession({
        pool,
        target: t,
        command,
        term,
        cols,
        rows,
        signal: ctx.signal,
      });
      const posixShell = t.shell === "posix" &&
        (command === undefined || isPosixShell(splitWords(command)[0] ?? ""));
      let session;
      try {
        session = reg.add(backend, { cols, rows, posixShell });
      } catch (err) {
        void backend.close(500);
        throw err;
      }
      // Secrets for this host (or all) are set with shell builtins, never echoed or in an argv.
      const env = deps.secrets?.envFor({ host: t.alias, sessionId: session.id }) ?? {};
      let note = "";
      if (Object.keys(env).length && posixShell) {
        try {
          await exportInShell(session, env, { signal: ctx.signal });
          note = ` Secrets set: ${Object.keys(env).join(", ")}.`;
        } catch (err) {
          note = ` Secrets not set: ${(err as Error).message}.`;
        }
      }
      return {
        structured: { session_id: session.id },
        text:
          `${session.id}: ${session.title} (${cols}x${rows}). Read it with session_recv.${note}`,
      };
    },
  }) as ToolDefinition;
}
