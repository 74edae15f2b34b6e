/**
 * `shell_exec`'s work: the command runs inline for the call's window and becomes a background
 * job if it is still running then (or at once with `background`); secrets in scope reach it as
 * environment variables; `sudo` runs it under `sudo -S` with the password fed on stdin.
 */
import {
  buildChildEnv,
  type CommandSpec,
  NON_INTERACTIVE,
  resolveProgram,
  spawnDeno,
  splitWords,
  validateEnvOverlay,
} from "../lib/exec/mod.ts";
import {
  type InlineProgress,
  type InlineResult,
  type JobInfo,
  runInline,
} from "../lib/jobs/mod.ts";
import { clampInt, type ToolContext, type ToolResult } from "../lib/runner/mod.ts";
import { type SudoSpawn, sudoSpawner } from "../lib/sudo/mod.ts";
import type { ToolDeps } from "./deps.ts";
import { type ExecOutput, execToolResult } from "./local.ts";

/** The longest inline window: under common client request timeouts. */
export const MAX_INLINE_WAIT_S = 55;

/** shell_exec's arguments as parsed. */
export interface ShellExecArgs {
  command: string;
  timeout?: number;
  max_output?: number;
  cwd?: string;
  stdin?: string;
  env?: Record<string, string | null>;
  merge_stderr?: boolean;
  use_shell?: boolean;
  background?: boolean;
  wait?: number;
  sudo?: boolean;
}

/** The timeout default: the configured default, or the maximum for background jobs. */
export function shellExecTimeout(deps: ToolDeps, a: ShellExecArgs): number {
  const c = deps.config;
  return clampInt(a.timeout, a.background ? c.maxTimeout : c.defaultTimeout, 1, c.maxTimeout);
}

/** The variables exported inside sudo (which resets the environment): not PATH, HOME or USER. */
export function sudoExports(
  overlay: Record<string, string | null>,
  secrets: Record<string, string>,
  base: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = { ...NON_INTERACTIVE };
  for (const k of ["LANG", "LC_ALL", "TZ"]) if (base[k]) out[k] = base[k];
  Object.assign(out, secrets);
  for (const [k, v] of Object.entries(overlay)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** The progress message: bytes so far and the last line. */
export function progressText(p: InlineProgress): string {
  const line = p.lastLine ? `; last line: ${p.lastLine}` : "";
  return `${p.bytes} bytes of output so far${line}`;
}

/** Runs shell_exec; `auditArgs` gives the call's audit arguments (redacted for job_end). */
export async function runShellExec(
  deps: ToolDeps,
  a: ShellExecArgs,
  ctx: ToolContext,
  auditArgs: () => Record<string, unknown>,
): Promise<ToolResult<ExecOutput>> {
  const c = deps.config;
  const timeout = shellExecTimeout(deps, a);
  const maxOutput = clampInt(a.max_output, c.maxOutput, 1024, c.maxOutputHard);
  const overlay = validateEnvOverlay(a.env);
  const secrets = deps.secrets?.envFor({}) ?? {};
  const env = buildChildEnv({ overlay: { ...secrets, ...overlay } });
  const spec: CommandSpec = (a.use_shell ?? true)
    ? { shell: a.command }
    : { argv: splitWords(a.command) };
  let sudo: SudoSpawn | undefined;
  if (a.sudo) {
    const sudoPath = resolveProgram("sudo", env.PATH);
    if (!sudoPath) throw new TypeError("sudo: sudo is not installed on this host");
    sudo = sudoSpawner(spawnDeno, {
      password: deps.secrets?.sudoPassword({}) ?? null,
      env: sudoExports(overlay, secrets, env),
      sudoPath,
    });
  }
  const waitS = Math.min(MAX_INLINE_WAIT_S, Math.max(0, a.wait ?? c.inlineWait));
  const windowMs = Math.round(waitS * 1000);
  const job = (): JobInfo => ({
    tool: "shell_exec",
    tier: ctx.tier ?? 1,
    args: deps.redactor.redactArgs(auditArgs(), 500) as Record<string, unknown>,
    requestId: ctx.requestId,
    clientId: ctx.clientId,
  });
  const r = await runInline(spec, {
    env,
    cwd: a.cwd,
    stdin: a.stdin,
    timeoutMs: timeout * 1000,
    maxOutput,
    mergeStderr: a.merge_stderr ?? true,
    signal: ctx.signal,
    groups: deps.groups,
    spawner: sudo?.spawner,
    gate: sudo?.started,
    windowMs,
    background: a.background,
    jobs: deps.jobs ?? null,
    job,
    title: a.command,
    onProgress: ctx.wantsProgress
      ? (p) => ctx.progress(p.elapsedMs / 1000, a.background ? undefined : waitS, progressText(p))
      : undefined,
  });
  if (r.state === "done") {
    const res = r.result;
    if (sudo && !res.timedOut && !res.cancelled) {
      const o = await sudo.outcome;
      if (!o.started) throw o.error;
    }
    return execToolResult(res, timeout);
  }
  return jobStartedResult(r, a.background === true, timeout);
}

/** The result of a call whose command now runs as a job (shell_exec, ssh_exec). */
export function jobStartedResult(
  r: Extract<InlineResult, { state: "running" }>,
  background: boolean,
  timeout: number,
): ToolResult<ExecOutput> {
  const id = r.session.id;
  const after = background ? "started" : `still running after ${(r.elapsedMs / 1000).toFixed(1)}s`;
  const lines = [
    `[${after}: job ${id}; follow it with session_recv session_id="${id}" (until, idle_ms), stop it with session_kill; it is killed after timeout ${timeout}s]`,
  ];
  if (r.bytes > 0) lines.push(r.soFar.text);
  if (r.soFar.cutBytes > 0) {
    lines.push(
      `[${r.soFar.cutBytes} of ${r.bytes} bytes not shown; page them with session_recv cursor]`,
    );
  }
  return {
    structured: {
      exit_code: null,
      signal: null,
      timed_out: false,
      truncated: r.soFar.cutBytes > 0,
      duration_ms: r.elapsedMs,
      output: r.soFar.text,
      output_bytes: r.bytes,
      state: "running",
      session_id: id,
    },
    text: lines.join("\n"),
    exitCode: null,
    audit: { state: "running", session_id: id },
  };
}
