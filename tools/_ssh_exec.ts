/**
 * `ssh_exec`'s work, as shell_exec's: the remote command runs inline for the call's window and
 * becomes a background job if it is still running then (or at once with `background`); it runs
 * behind the stdin wrapper that reports its process group, so a cancel, a timeout or session_kill
 * ends its whole tree; secrets scoped to the host (or to all) reach it through stdin; `sudo` runs
 * it under `sudo -S` with the host's password fed at sudo's prompt.
 */
import type { ExecResult } from "../lib/exec/mod.ts";
import { type JobInfo, runInlineWith } from "../lib/jobs/mod.ts";
import { clampInt, type ToolContext, type ToolResult } from "../lib/runner/mod.ts";
import type { Session } from "../lib/sessions/mod.ts";
import {
  execOnTarget,
  type RemoteProcess,
  type ResolvedTarget,
  SshConnectionLostError,
  type SshPool,
} from "../lib/ssh/mod.ts";
import type { ToolDeps } from "./deps.ts";
import type { ExecOutput } from "./local.ts";
import { jobStartedResult, MAX_INLINE_WAIT_S, progressText } from "./_shell_exec.ts";

/** ssh_exec's arguments as parsed. */
export interface SshExecArgs {
  command: string;
  target: ResolvedTarget;
  timeout?: number;
  max_output?: number;
  stdin?: string;
  cwd?: string;
  env?: Record<string, string | null>;
  merge_stderr?: boolean;
  pty?: boolean;
  background?: boolean;
  wait?: number;
  sudo?: boolean;
}

/** The timeout default: the configured default, or the maximum for background jobs. */
export function sshExecTimeout(
  deps: ToolDeps,
  a: { timeout?: number; background?: boolean },
): number {
  const c = deps.config;
  return clampInt(a.timeout, a.background ? c.maxTimeout : c.defaultTimeout, 1, c.maxTimeout);
}

/**
 * The sudo password for `host`: a loaded `SUDO_PASSWORD` for the session, the host or all, else
 * the variable the host's inventory names in `sudo_password_env` (registered for redaction).
 * Never the local RELAY_SHELL_SUDO_PASSWORD_ENV password. Null when none is configured.
 */
export function hostSudoPassword(
  deps: ToolDeps,
  target: Pick<ResolvedTarget, "alias" | "sudoPasswordEnv"> | null,
  host: string,
  sessionId?: string,
): string | null {
  const loaded = deps.secrets?.sudoPassword({ host, sessionId }) ?? null;
  if (loaded !== null) return loaded;
  const name = target?.sudoPasswordEnv;
  if (!name) return null;
  const value = Deno.env.get(name);
  if (!value) return null;
  deps.redactor.register(value);
  return value;
}

/** The result for a command whose connection dropped mid-way (partial output kept). */
type Lost = (err: SshConnectionLostError) => ToolResult<ExecOutput>;

/** Runs ssh_exec; `remoteResult` renders a finished command, `lostResult` a dropped connection. */
export async function runSshExec(
  deps: ToolDeps & { pool: SshPool },
  a: SshExecArgs,
  ctx: ToolContext,
  render: {
    done: (r: ExecResult, timeout: number) => ToolResult<ExecOutput>;
    lost: Lost;
    auditArgs: () => Record<string, unknown>;
  },
): Promise<ToolResult<ExecOutput>> {
  const c = deps.config;
  const t = a.target;
  const timeout = sshExecTimeout(deps, a);
  const maxOutput = clampInt(a.max_output, c.maxOutput, 1024, c.maxOutputHard);
  if (!a.command.trim()) throw new TypeError("command: is empty; give a command to run");
  const cli = t.shell === "cli";
  if (cli && (a.background || a.sudo)) {
    throw new TypeError(
      `${a.background ? "background" : "sudo"}: ${t.alias} is a CLI device (shell: cli)`,
    );
  }
  const secrets = cli ? {} : deps.secrets?.envFor({ host: t.alias }) ?? {};
  const env = Object.keys(secrets).length || a.env ? { ...secrets, ...a.env } : undefined;
  const sudo = a.sudo ? { password: hostSudoPassword(deps, t, t.alias) } : undefined;
  const waitS = Math.min(MAX_INLINE_WAIT_S, Math.max(0, a.wait ?? c.inlineWait));
  const job = (): JobInfo => ({
    tool: "ssh_exec",
    tier: ctx.tier ?? 1,
    args: deps.redactor.redactArgs(render.auditArgs(), 500) as Record<string, unknown>,
    requestId: ctx.requestId,
    clientId: ctx.clientId,
    extra: { host: t.alias },
  });
  let gateOpen!: (ok: boolean) => void;
  const gate = sudo ? new Promise<boolean>((r) => (gateOpen = r)) : undefined;
  try {
    const r = await runInlineWith((hooks) => {
      let proc: RemoteProcess | null = null;
      const running = execOnTarget(t, {
        pool: deps.pool,
        longLived: a.background,
        command: a.command,
        cwd: a.cwd,
        env: a.pty ? a.env : env, // a terminal would echo stdin: no secrets on a pty
        stdin: a.stdin,
        pty: a.pty ? { term: "xterm-256color", cols: 200, rows: 50 } : undefined,
        timeoutMs: timeout * 1000,
        maxOutput,
        mergeStderr: a.merge_stderr ?? true,
        signal: hooks.signal,
        onOutput: hooks.onOutput,
        trackGroup: !cli && !a.pty,
        sudo,
        onStart: () => gateOpen?.(true),
        onProcess: (p) => (proc = p),
      });
      running.then(() => gateOpen?.(false), () => gateOpen?.(false));
      return { running, signal: (sig) => proc?.signal(sig) ?? false };
    }, {
      timeoutMs: timeout * 1000,
      maxOutput,
      signal: ctx.signal,
      windowMs: Math.round(waitS * 1000),
      background: a.background,
      jobs: cli ? null : deps.jobs ?? null,
      job,
      title: `ssh ${t.alias}: ${a.command}`,
      gate,
      onProgress: ctx.wantsProgress
        ? (p) => ctx.progress(p.elapsedMs / 1000, a.background ? undefined : waitS, progressText(p))
        : undefined,
    });
    if (r.state === "done") return render.done(r.result, timeout);
    return jobStartedResult(r, a.background === true, timeout);
  } catch (err) {
    if (err instanceof SshConnectionLostError) return render.lost(err);
    throw err;
  }
}

/** The sudo password for a session: its own secret, then its host's (SSH) or this host's. */
export function sessionSudoPassword(deps: ToolDeps, s: Session): string | null {
  if (s.kind === "local") return deps.secrets?.sudoPassword({ sessionId: s.id }) ?? null;
  const host = s.host ?? "";
  let target: ResolvedTarget | null = null;
  try {
    target = host && deps.resolver ? deps.resolver.resolveTarget(host) : null;
  } catch { /* the inventory changed: only loaded secrets then */ }
  return host ? hostSudoPassword(deps, target, host, s.id) : null;
}
