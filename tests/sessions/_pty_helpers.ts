/** Shared setup for the real-PTY session tests. */
import { buildChildEnv } from "../../lib/exec/mod.ts";
import {
  compileUntil,
  isPosixShell,
  type Session,
  SessionRegistry,
  type SessionRegistryOptions,
  spawnLocalPty,
  stripAnsi,
  waitForOutput,
} from "../../lib/sessions/mod.ts";

/** A child environment for PTY programs. */
export const PTY_ENV: Record<string, string> = { ...buildChildEnv(), TERM: "xterm-256color" };

/** A registry without a reaper timer. */
export function testRegistry(extra: Partial<SessionRegistryOptions> = {}): SessionRegistry {
  return new SessionRegistry({
    maxSessions: 8,
    bufferBytes: 256 * 1024,
    idleTimeoutMs: 600_000,
    maxLifetimeMs: 0,
    reapIntervalMs: 0,
    closeGraceMs: 500,
    ...extra,
  });
}

/** Starts `argv` on a PTY inside `reg`. */
export function spawnIn(reg: SessionRegistry, argv: string[], cols = 120, rows = 40): Session {
  const backend = spawnLocalPty(argv, { env: PTY_ENV, cols, rows });
  return reg.add(backend, { cols, rows, posixShell: isPosixShell(argv[0]) });
}

/** A quiet bash (no rc files) with a plain prompt. */
export function bashIn(reg: SessionRegistry): Session {
  return spawnIn(reg, ["/bin/bash", "--norc", "--noprofile"]);
}

/** Waits until the stripped text after `from` matches `pattern`; returns that text. */
export async function expectOutput(
  s: Session,
  pattern: string,
  from = 0,
  timeoutMs = 15_000,
): Promise<string> {
  const r = await waitForOutput(s.log, from, { until: compileUntil(pattern), timeoutMs });
  const text = stripAnsi(new TextDecoder().decode(s.log.read(from, 1 << 20).bytes));
  if (r.reason !== "matched") {
    throw new Error(`no ${pattern} (${r.reason}) in ${JSON.stringify(text)}`);
  }
  return text;
}

/** Types `text` into the session. */
export function type(s: Session, text: string): Promise<void> {
  return s.write(new TextEncoder().encode(text));
}
