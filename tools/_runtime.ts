/** Who the server runs as, and whether sudo is there (checked once, cached). */
import { buildChildEnv, resolveProgram, runCommand } from "../lib/exec/mod.ts";

/** The runtime identity reported by server_info. */
export interface RuntimeIdentity {
  /** User name (from the password database via `id -un`, else $USER). */
  user: string;
  /** Real uid. */
  uid: number;
  /** Effective uid. */
  euid: number;
  /** Path of the sudo binary, or null. */
  sudo: string | null;
  /** Whether `sudo -n true` succeeds (null when sudo is absent). */
  sudo_passwordless: boolean | null;
}

let cached: Promise<RuntimeIdentity> | undefined;

async function quiet(argv: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await runCommand({ argv }, {
      env: buildChildEnv(),
      timeoutMs: 3000,
      maxOutput: 4096,
      mergeStderr: false,
      killGraceMs: 200,
    });
    return { ok: r.exitCode === 0, out: r.stdout.text.trim() };
  } catch {
    return { ok: false, out: "" };
  }
}

/** The server's runtime identity; computed once. */
export function runtimeIdentity(): Promise<RuntimeIdentity> {
  cached ??= (async () => {
    // `id` rather than /proc/self/status: Deno refuses /proc reads without --allow-all.
    const id = await quiet(["id", "-u", "-n"]);
    const euid = Number((await quiet(["id", "-u"])).out);
    const ruid = Number((await quiet(["id", "-r", "-u"])).out);
    const uid = Number.isInteger(ruid) ? ruid : Deno.uid() ?? -1;
    const sudo = resolveProgram("sudo", buildChildEnv().PATH);
    const passwordless = sudo ? (await quiet([sudo, "-n", "true"])).ok : null;
    return {
      user: id.ok && id.out ? id.out : Deno.env.get("USER") ?? String(uid),
      uid,
      euid: Number.isInteger(euid) ? euid : uid,
      sudo,
      sudo_passwordless: passwordless,
    };
  })();
  return cached;
}
