/**
 * Interactive sessions: `shell_spawn` starts a program on a local PTY; `session_send`,
 * `session_recv`, `session_exec`, `session_resize`, `session_kill` and `session_list` drive any
 * session in the registry (local now; SSH PTYs and jobs share the same tools later).
 */
import { z } from "zod";
import {
  buildChildEnv,
  checkCwd,
  resolveProgram,
  splitWords,
  validateEnvOverlay,
} from "../lib/exec/mod.ts";
import { Tier } from "../lib/policy/tier.ts";
import { clampInt, defineTool, type ToolDefinition } from "../lib/runner/mod.ts";
import {
  execInShell,
  isPosixShell,
  keyBytes,
  parseSignalName,
  type Session,
  SessionLimitError,
  type SessionRegistry,
  type ShellExecResult,
  spawnLocalPty,
} from "../lib/sessions/mod.ts";
import { execInShellWithSudo } from "../lib/sudo/mod.ts";
import type { ToolDeps } from "./deps.ts";
import { sessionRecv } from "./_session_recv.ts";
import { sessionSudoPassword } from "./_ssh_exec.ts";

const enc = new TextEncoder();
const MAX_SEND = 65536;

/** The server user's login shell: `$SHELL` when set and executable, else /bin/bash. */
export function loginShell(env: Record<string, string | undefined> = Deno.env.toObject()): string {
  const sh = env.SHELL;
  return sh && sh.startsWith("/") && resolveProgram(sh, undefined) ? sh : "/bin/bash";
}

/**
 * The sudo password for a session: a `SUDO_PASSWORD` secret of the session, else for a local
 * session the local one, for an SSH session its host's (a secret scoped to the host or all, else
 * the inventory's `sudo_password_env`). An SSH session never gets the local password.
 */
export function sudoPasswordFor(deps: ToolDeps, s: Session): string | null {
  return sessionSudoPassword(deps, s);
}

/** Builds the `sessions` tool group (needs a registry in the deps). */
export function sessionTools(deps: ToolDeps & { sessions: SessionRegistry }): ToolDefinition[] {
  const c = deps.config;
  const reg = deps.sessions;
  // Every byte of the listing is model context: no property text where the name says enough.
  const id = z.string();
  const size = (max: number) => z.number().meta({ maximum: max });

  const shellSpawn = defineTool({
    name: "shell_spawn",
    title: "Start PTY session",
    description:
      "Run a program+args (no shell syntax; default: login shell) on a local PTY: REPLs, TUIs, prompts.",
    toolset: "sessions",
    input: z.strictObject({
      command: z.string().optional(),
      cols: size(500).optional(),
      rows: size(200).optional(),
      cwd: z.string().optional(),
      env: z.record(z.string(), z.string().nullable()).optional(),
      term: z.string().optional(),
    }),
    output: z.object({ session_id: z.string() }),
    tier: Tier.REVERSIBLE,
    hints: { destructive: true },
    policy: (a) => ({
      commands: [a.command?.trim() || loginShell()],
      subjects: a.env ? [JSON.stringify(a.env)] : [],
    }),
    run(a) {
      const cols = clampInt(a.cols, 120, 20, 500);
      const rows = clampInt(a.rows, 40, 5, 200);
      const term = a.term?.trim() || a.env?.TERM || "xterm-256color";
      if (!/^[A-Za-z0-9._+-]{1,64}$/.test(term)) {
        throw new TypeError("term: must be a terminal name such as xterm-256color");
      }
      const env: Record<string, string> = {
        ...buildChildEnv({
          overlay: { ...deps.secrets?.envFor({}), ...validateEnvOverlay(a.env) },
        }),
        TERM: term,
      };
      const words = a.command?.trim() ? splitWords(a.command) : [loginShell()];
      const program = resolveProgram(words[0], env.PATH);
      if (!program) {
        throw new TypeError(`command: program ${JSON.stringify(words[0])} not found in PATH`);
      }
      if (a.cwd !== undefined) checkCwd(a.cwd);
      // Checked before spawning so a full registry costs no process; `add` checks again.
      if (!reg.hasRoom()) throw new SessionLimitError(reg.maxSessions);
      const backend = spawnLocalPty([program, ...words.slice(1)], {
        env,
        cwd: a.cwd,
        cols,
        rows,
        title: words.join(" "),
      });
      deps.groups.add(backend.pid);
      let session;
      try {
        session = reg.add(backend, { cols, rows, posixShell: isPosixShell(program) });
      } catch (err) {
        void backend.close(500);
        throw err;
      }
      return Promise.resolve({
        structured: { session_id: session.id },
        text: `${session.id}: ${session.title} (${cols}x${rows}). Read it with session_recv.`,
      });
    },
  });

  const sessionSend = defineTool({
    name: "session_send",
    title: "Send to session",
    description:
      "Send keys (ctrl-c, esc, tab, up, f1...), then data, then Enter (default: if data).",
    toolset: "sessions",
    input: z.strictObject({
      session_id: id,
      data: z.string().optional(),
      keys: z.array(z.string()).optional(),
      enter: z.boolean().optional(),
    }),
    output: z.object({ bytes: z.int().optional() }),
    tier: Tier.REVERSIBLE,
    hints: { destructive: true },
    policy: (a) => ({ commands: a.data ? [a.data] : [] }),
    auditArgs: (a) => ({
      session_id: a.session_id,
      data: a.data ?? "",
      keys: a.keys ?? [],
      enter: a.enter ?? !!a.data,
    }),
    async run(a, ctx) {
      const s = reg.get(a.session_id);
      const keys = (a.keys ?? []).map((k) => keyBytes(k)).join("");
      const text = keys + (a.data ?? "") + ((a.enter ?? !!a.data) ? "\r" : "");
      if (!text) throw new TypeError("data: nothing to send; give data, keys or enter: true");
      const bytes = enc.encode(text);
      if (bytes.length > MAX_SEND) {
        throw new RangeError(`data: ${bytes.length} bytes is more than ${MAX_SEND} per call`);
      }
      await s.write(bytes, ctx.signal);
      return { structured: { bytes: bytes.length }, text: `sent ${bytes.length} bytes to ${s.id}` };
    },
  });

  const sessionExec = defineTool({
    name: "session_exec",
    title: "Exec in shell session",
    description:
      "Run a command in a shell session; returns its output and exit code. cwd/env persist.",
    toolset: "sessions",
    input: z.strictObject({
      session_id: id,
      command: z.string(),
      timeout: size(c.maxTimeout).optional(),
      sudo: z.boolean().optional(),
    }),
    output: z.object({ output: z.string().optional(), exit_code: z.int().nullable().optional() }),
    tier: Tier.REVERSIBLE,
    hints: { destructive: true },
    policy: (a) => ({
      commands: [a.command],
      subjects: a.sudo ? [`sudo ${a.command}`] : [],
      minTier: a.sudo ? Tier.STATEFUL : undefined,
    }),
    async run(a, ctx) {
      if (!a.command.trim()) throw new TypeError("command: is empty; give a command to run");
      const timeout = clampInt(a.timeout, Math.min(c.defaultTimeout, 60), 1, c.maxTimeout);
      const s = reg.get(a.session_id);
      const opts = { timeoutMs: timeout * 1000, maxBytes: c.maxOutput, signal: ctx.signal };
      let r: ShellExecResult;
      if (a.sudo) {
        const sr = await execInShellWithSudo(s, a.command, {
          ...opts,
          password: sudoPasswordFor(deps, s),
        });
        if (!sr.sudo.started) throw sr.sudo.error;
        r = sr;
      } else r = await execInShell(s, a.command, opts);
      const notes: string[] = [];
      if (r.droppedBytes) {
        notes.push(
          `[${r.droppedBytes} bytes of output left the session buffer before they were read]`,
        );
      }
      if (r.cutBytes) notes.push(`[first ${r.cutBytes} bytes not shown]`);
      let head = `[exit ${r.exitCode}]`;
      if (r.timedOut) {
        head =
          `[still running after ${timeout}s in ${s.id}: follow with session_recv, stop with session_send keys ["ctrl-c"]]`;
      } else if (r.sessionExited) head = `[the shell exited: ${r.exitCode ?? s.exitSignal}]`;
      return {
        structured: { output: r.output, exit_code: r.exitCode, timed_out: r.timedOut },
        text: [head, ...notes, r.output].join("\n"),
        exitCode: r.exitCode,
      };
    },
  });

  const sessionResize = defineTool({
    name: "session_resize",
    title: "Resize PTY",
    description: "Set terminal size.",
    toolset: "sessions",
    input: z.strictObject({ session_id: id, cols: size(500), rows: size(200) }),
    output: z.looseObject({}),
    tier: Tier.REVERSIBLE,
    hints: { idempotent: true },
    run(a) {
      const cols = clampInt(a.cols, 120, 20, 500);
      const rows = clampInt(a.rows, 40, 5, 200);
      const s = reg.get(a.session_id);
      s.resize(cols, rows);
      return Promise.resolve({
        structured: { cols, rows },
        text: `resized ${s.id} to ${cols}x${rows}`,
      });
    },
  });

  const sessionKill = defineTool({
    name: "session_kill",
    title: "Kill session",
    description: "Send signal (TERM); close (true) then ends all its processes and frees it.",
    toolset: "sessions",
    input: z.strictObject({
      session_id: id,
      signal: z.string().optional(),
      close: z.boolean().optional(),
    }),
    output: z.looseObject({}),
    tier: Tier.REVERSIBLE,
    hints: { destructive: true },
    auditArgs: (a) => ({
      session_id: a.session_id,
      signal: a.signal ?? "TERM",
      close: a.close ?? true,
    }),
    async run(a) {
      const sig = parseSignalName(a.signal ?? "TERM");
      const r = await reg.kill(a.session_id, sig, a.close ?? true);
      const s = r.session;
      const end = s.state === "exited" ? ` (exit ${s.exitCode ?? s.exitSignal})` : "";
      const text = r.closed
        ? `closed ${s.id}${end}`
        : r.signalled
        ? `sent ${sig} to ${s.id}`
        : `${s.id}: nothing to signal${end}`;
      return { structured: { closed: r.closed, exit_code: s.exitCode }, text };
    },
  });

  const sessionList = defineTool({
    name: "session_list",
    title: "List sessions",
    description:
      "Each session's id, kind, title, size, age, idle, bytes produced/dropped, state, exit code.",
    toolset: "sessions",
    input: z.strictObject({}),
    output: z.object({ sessions: z.array(z.looseObject({})).optional() }),
    tier: Tier.READ_ONLY,
    readOnly: true,
    run() {
      const now = reg.now();
      const sessions = reg.list().map((s) => s.summary(now));
      return Promise.resolve({
        structured: { sessions },
        text: sessions.length ? sessions.map((x) => JSON.stringify(x)).join("\n") : "[no sessions]",
      });
    },
  });

  return [
    shellSpawn,
    sessionSend,
    sessionRecv(deps),
    sessionExec,
    sessionResize,
    sessionKill,
    sessionList,
  ] as ToolDefinition[];
}
