/**
 * Fleet helpers: run one task per host with bounded concurrency (results in input order), probe
 * a host (`true` on a pooled connection: ok, latency, host-key fingerprint, a short actionable
 * error), and share one output budget between hosts so a fan-out result always fits.
 */
import { HostKeyError } from "./host_key_errors.ts";
import type { ResolvedTarget } from "./hosts/target.ts";
import type { SshPool } from "./pool.ts";
import { execOnConnection } from "./remote_exec.ts";
import { SshAuthError, SshError } from "./ssh_errors.ts";

/** Runs `task` for every item, at most `concurrency` at once; results keep the input order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i], i);
    }
  };
  const n = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  return out;
}

/** Bytes of output each of `hosts` may show so that the whole result stays within `budget`. */
export function perHostBudget(budget: number, hosts: number): number {
  if (hosts <= 0) return budget;
  // ~200 bytes of JSON per host for the other fields, 1 KiB for the envelope.
  return Math.max(128, Math.floor((budget - 1024 - 200 * hosts) / hosts));
}

/** A short, actionable message for a failure to reach or use a host. */
export function shortError(err: unknown): string {
  if (err instanceof SshAuthError) return err.message;
  if (err instanceof HostKeyError) return err.message.split("\n")[0];
  if (err instanceof SshError) return err.message;
  if (err instanceof Error) {
    if (err.name === "TimeoutError" || err.name === "AbortError") return err.message || err.name;
    return err.name && err.name !== "Error" ? `${err.name}: ${err.message}` : err.message;
  }
  return String(err);
}

/** What {@linkcode checkHost} reports. */
export interface HostCheck {
  /** Connected, authenticated and `true` exited 0. */
  ok: boolean;
  /** Milliseconds for the whole check (connect if needed, then the probe). */
  latency_ms: number;
  /** Why not, or null. */
  error: string | null;
  /** `SHA256:…` of the presented host key (also when it was refused), or null. */
  fingerprint: string | null;
}

/** Probes `target`: a connection from the pool (connect within `timeoutMs`) and `true`. */
export async function checkHost(
  pool: SshPool,
  target: ResolvedTarget,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<HostCheck> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const ctl = new AbortController();
  const timer = setTimeout(
    () =>
      ctl.abort(new DOMException(`no answer within ${options.timeoutMs / 1000}s`, "TimeoutError")),
    options.timeoutMs,
  );
  const signal = options.signal ? AbortSignal.any([options.signal, ctl.signal]) : ctl.signal;
  try {
    const lease = await pool.acquire(target, {
      signal,
      timeoutMs: Math.min(target.connectTimeout * 1000, options.timeoutMs),
    });
    const fingerprint = lease.connection.hostKey?.fingerprint ?? null;
    try {
      const r = await execOnConnection(lease.connection, {
        command: "true",
        timeoutMs: Math.max(1, options.timeoutMs - ms()),
        maxOutput: 1024,
        signal,
      });
      const ok = r.exitCode === 0;
      const error = ok
        ? null
        : r.timedOut
        ? `the probe (true) did not finish within ${options.timeoutMs / 1000}s`
        : `the probe (true) ended with ${r.exitCode ?? r.signal ?? "no status"}`;
      return { ok, latency_ms: ms(), error, fingerprint };
    } finally {
      lease.release();
    }
  } catch (err) {
    const fingerprint = err instanceof HostKeyError ? err.fingerprint : null;
    return { ok: false, latency_ms: ms(), error: shortError(err), fingerprint };
  } finally {
    clearTimeout(timer);
  }
}
