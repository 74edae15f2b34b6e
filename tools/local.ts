/**
 * Local one-shot execution: `shell_exec` (a command) and `shell_script` (a multi-line script).
 * Both run in their own process group with bounded, fully hashed output.
 */
import { z } from "zod";
import {
  buildChildEnv,
  type ExecResult,
  resolveProgram,
  runCommand,
  validateEnvOverlay,
} from "../lib/exec/mod.ts";
import { detail } from "../lib/mcp/mod.ts";
import { clampInt, defineTool, type ToolDefinition, type ToolResult } from "../lib/runner/mod.ts";
import { Tier } from "../lib/policy/tier.ts";
import type { ToolDeps } from "./deps.ts";
import { MAX_INLINE_WAIT_S, runShellExec, shellExecTimeout } from "./_shell_exec.ts";

/** The structured result of every command-running tool. */
export const execOutputSchema = z.object({
  exit_code: z.int().nullable(),
  signal: z.string().nullable(),
  timed_out: z.boolean(),
  truncated: z.boolean(),
  duration_ms: z.int().meta(detail),
  output: z.string().optional(),
  stdout: z.string().optional().meta(detail),
  stderr: z.string().optional().meta(detail),
  output_bytes: z.int(),
  output_sha256: z.string().optional(),
  stderr_bytes: z.int().optional().meta(detail),
  stderr_sha256: z.string().optional().meta(detail),
  cancelled: z.boolean().optional().meta(detail),
  notes: z.array(z.string()).optional().meta(detail),
  state: z.enum(["running"]).optional().meta(detail),
  session_id: z.string().optional().meta(detail),
});

/** The structured exec result. */
export type ExecOutput = z.output<typeof execOutputSchema>;

const envSchema = z.record(z.string(), z.string().nullable());

/** Renders an exec outcome as the structured result and the concise text. */
export function execToolResult(r: ExecResult, timeoutSeconds: number): ToolResult<ExecOutput> {
  const structured: ExecOutput = {
    exit_code: r.exitCode,
    signal: r.signal,
    timed_out: r.timedOut,
    truncated: r.truncated,
    duration_ms: r.durationMs,
    output_bytes: r.stdout.bytes,
    output_sha256: r.stdout.sha256,
  };
  if (r.stderr) {
    structured.stdout = r.stdout.text;
    structured.stderr = r.stderr.text;
    structured.stderr_bytes = r.stderr.bytes;
    structured.stderr_sha256 = r.stderr.sha256;
  } else {
    structured.output = r.stdout.text;
  }
  if (r.cancelled) structured.cancelled = true;
  if (r.notes.length) structured.notes = r.notes;

  let head: string;
  if (r.timedOut) {
    head = `[timeout after ${timeoutSeconds}s; process group killed${
      r.signal ? ` (${r.signal})` : ""
    }]`;
  } else if (r.cancelled) {
    head = `[cancelled; process group killed${r.signal ? ` (${r.signal})` : ""}]`;
  } else if (r.exitCode === null) head = `[killed by ${r.signal}]`;
  else head = `[exit ${r.exitCode}]`;
  const lines = [head];
  if (r.stderr) {
    lines.push(r.stdout.text);
    if (r.stderr.bytes > 0) lines.push(`[stderr]\n${r.stderr.text}`);
  } else {
    lines.push(r.stdout.text);
  }
  const cut = r.stdout.cutBytes + (r.stderr?.cutBytes ?? 0);
  const total = r.stdout.bytes + (r.stderr?.bytes ?? 0);
  if (cut > 0) {
    lines.push(`[truncated: ${cut} of ${total} bytes not shown; raise max_output to see more]`);
  }
  for (const n of r.notes) lines.push(`[note: ${n}]`);
  return {
    structured,
    text: lines.join("\n"),
    exitCode: r.exitCode,
    outputSha256: r.stdout.sha256,
    outputBytes: total,
    audit: r.stderr ? { stderr_sha256: r.stderr.sha256 } : undefined,
  };
}

/** Builds the `local` tool group. */
export function localTools(deps: ToolDeps): ToolDefinition[] {
  const c = deps.config;
  const timeoutMeta = { minimum: 1, maximum: c.maxTimeout };
  const outputMeta = { minimum: 1024, maximum: c.maxOutputHard };

  const shellExecInput = z.strictObject({
    command: z.string().min(1),
    timeout: z.number().min(0).meta(timeoutMeta).optional().describe(
      `Seconds (default ${c.defaultTimeout})`,
    ),
    max_output: z.number().min(0).meta(outputMeta).optional().describe(
      `Bytes shown (default ${c.maxOutput})`,
    ),
    cwd: z.string().optional(),
    stdin: z.string().optional(),
    env: envSchema.optional().describe("null unsets"),
    merge_stderr: z.boolean().optional().describe("Default true"),
    use_shell: z.boolean().optional().describe("Default true; false: split words, no shell"),
    background: z.boolean().optional(),
    wait: z.number().meta({ maximum: MAX_INLINE_WAIT_S }).optional(),
    sudo: z.boolean().optional(),
  });

  const auditArgs = (a: z.output<typeof shellExecInput>): Record<string, unknown> => {
    const args: Record<string, unknown> = {
      command: a.command,
      timeout: shellExecTimeout(deps, a),
      max_output: clampInt(a.max_output, c.maxOutput, 1024, c.maxOutputHard),
      cwd: a.cwd ?? "",
      stdin: a.stdin ?? "",
      env: a.env ?? {},
      merge_stderr: a.merge_stderr ?? true,
      use_shell: a.use_shell ?? true,
    };
    if (a.background) args.background = true;
    if (a.wait !== undefined) args.wait = a.wait;
    if (a.sudo) args.sudo = true;
    return args;
  };

  const shellExec = defineTool({
    name: "shell_exec",
    title: "Run a local command",
    description:
      "Run one non-interactive command here (/bin/sh -c). Returns exit code and output, head+tail bounded, hashed in full. Past wait s it becomes a job (session_recv). Interactive: shell_spawn.",
    toolset: "local",
    input: shellExecInput,
    output: execOutputSchema,
    tier: Tier.REVERSIBLE,
    hints: { destructive: true },
    policy: (a) => ({
      commands: a.stdin ? [a.command, a.stdin] : [a.command],
      subjects: [a.env ? JSON.stringify(a.env) : "", a.sudo ? `sudo ${a.command}` : ""]
        .filter(Boolean),
      minTier: a.sudo ? Tier.STATEFUL : undefined,
    }),
    auditArgs,
    run(a, ctx) {
      return runShellExec(deps, a, ctx, () => auditArgs(a));
    },
  });

  const scriptInput = z.strictObject({
    script: z.string().min(1),
    interpreter: z.enum(["bash", "sh", "python3"]).optional().describe("Default bash"),
    strict: z.boolean().optional().describe("Default true: bash -euo pipefail, sh -eu"),
    timeout: z.number().min(0).meta(timeoutMeta).optional().describe("Seconds (default 120)"),
    max_output: z.number().min(0).meta(outputMeta).optional(),
    cwd: z.string().optional(),
    env: envSchema.optional(),
  });

  const shellScript = defineTool({
    name: "shell_script",
    title: "Run a local script",
    description:
      "Run a multi-line bash, sh or python3 script (stderr merged). Same result as shell_exec.",
    toolset: "local",
    input: scriptInput,
    output: execOutputSchema,
    tier: Tier.REVERSIBLE,
    hints: { destructive: true },
    policy: (a) => ({
      commands: (a.interpreter ?? "bash") === "python3" ? [] : [a.script],
      subjects: [
        a.interpreter === "python3" ? `python3\n${a.script}` : "",
        a.env ? JSON.stringify(a.env) : "",
      ]
        .filter(Boolean),
      // A python script is opaque to the shell classifier: treat it as stateful.
      minTier: (a.interpreter ?? "bash") === "python3" ? Tier.STATEFUL : undefined,
    }),
    auditArgs: (a) => ({
      interpreter: a.interpreter ?? "bash",
      strict: a.strict ?? true,
      script: a.script,
      timeout: clampInt(a.timeout, 120, 1, c.maxTimeout),
      cwd: a.cwd ?? "",
      env: a.env ?? {},
    }),
    async run(a, ctx) {
      const timeout = clampInt(a.timeout, Math.min(120, c.maxTimeout), 1, c.maxTimeout);
      const maxOutput = clampInt(a.max_output, c.maxOutput, 1024, c.maxOutputHard);
      const interpreter = a.interpreter ?? "bash";
      // Merged output should read in program order: python block-buffers stdout to a pipe.
      const defaults: Record<string, string> = interpreter === "python3"
        ? { PYTHONUNBUFFERED: "1" }
        : {};
      const env = buildChildEnv({
        overlay: { ...defaults, ...deps.secrets?.envFor({}), ...validateEnvOverlay(a.env) },
      });
      const strict = a.strict ?? true;
      const program = interpreter === "sh" ? "/bin/sh" : resolveProgram(interpreter, env.PATH);
      if (!program) {
        throw new TypeError(`interpreter: ${interpreter} is not installed on this host`);
      }
      const flags = !strict || interpreter === "python3"
        ? []
        : interpreter === "bash"
        ? ["-euo", "pipefail"]
        : ["-eu"];
      const dir = await Deno.makeTempDir({ prefix: "relay-shell-script-" });
      try {
        const file = `${dir}/script.${interpreter === "python3" ? "py" : "sh"}`;
        await Deno.writeTextFile(file, a.script, { mode: 0o600 });
        const r = await runCommand({ argv: [program, ...flags, file] }, {
          env,
          cwd: a.cwd,
          timeoutMs: timeout * 1000,
          maxOutput,
          mergeStderr: true,
          signal: ctx.signal,
          groups: deps.groups,
        });
        return execToolResult(r, timeout);
      } finally {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  });

  return [shellExec, shellScript] as ToolDefinition[];
}
