/**
 * The OpenSSH data path of a transfer: a file's bytes stream through the system `ssh` client
 * (`cat > tmp` / `cat < file`), with /bin/sh redirecting the local file straight into or out of
 * it, so no byte passes through Deno (whose crypto is the bottleneck of ssh2). It keeps the
 * guarantees of the pooled connection: the host key is pinned to exactly the key relay-shell
 * verified on that connection (a temporary known_hosts holding only it, under a `HostKeyAlias`,
 * `StrictHostKeyChecking=yes`), the same user, host and port, no ssh_config (`-F /dev/null`),
 * only the target's identity files and agent, and a password or key passphrase only through an
 * askpass script that reads it from its own inherited environment (never argv). Targets behind a
 * jump host or a ProxyCommand are not representable and stay on ssh2.
 */
import { type ProcessGroups, signalGroup } from "../exec/process_groups.ts";
import { spawnDeno, type SpawnedProcess } from "../exec/spawner.ts";
import { encodeBase64 } from "./fingerprint.ts";
import type { SshConnection } from "./connection.ts";
import type { SshPool } from "./pool.ts";
import { shellQuote } from "./remote_command.ts";

/** What the OpenSSH data path needs for one file. */
export interface OpenSshMoveOptions {
  /** Bytes expected (for the final progress step). */
  size: number;
  /** Current size of the destination file (polled for progress). */
  sizeOf: () => Promise<number>;
  /** Called with the bytes moved since the last call. */
  onBytes: (n: number) => void;
  /** Kills the child (by pid) and rejects with the reason. */
  signal: AbortSignal;
}

const ALIAS = "relay-shell-pinned";
const ASKPASS = `#!/bin/sh
case "$1" in
  *assphrase*) printf '%s\\n' "$RELAY_SHELL_ASKPASS_PASSPHRASE" ;;
  *) printf '%s\\n' "$RELAY_SHELL_ASKPASS_PASSWORD" ;;
esac
`;

/** Finds `ssh` on PATH; null when absent. */
export function findSshBinary(path = Deno.env.get("PATH") ?? ""): string | null {
  for (const dir of path.split(":")) {
    if (!dir) continue;
    try {
      const p = `${dir}/ssh`;
      if (Deno.statSync(p).isFile) return p;
    } catch { /* not here */ }
  }
  return null;
}

/** Why `conn`'s target cannot be reached through the system client, or null when it can. */
export function openSshUnsupported(conn: SshConnection): string | null {
  const t = conn.target;
  if (t.jump || t.jumpChain) return "the target is behind a jump host";
  if (t.proxyCommand) return "the target uses a ProxyCommand";
  if (t.shell !== "posix") return "the target is a CLI device (no POSIX shell for cat)";
  if (!conn.hostKey) return "no verified host key on the connection";
  return null;
}

function isSocket(path: string): boolean {
  try {
    return Deno.statSync(path).isSocket === true;
  } catch {
    return false;
  }
}

function hostKeyAlgorithms(keyType: string): string {
  return keyType === "ssh-rsa" ? "rsa-sha2-512,rsa-sha2-256,ssh-rsa" : keyType;
}

/** The system client, set up for one connection's target; dispose it to remove its temp dir. */
export class OpenSshEngine {
  readonly #argv: string[];
  readonly #env: Record<string, string>;
  readonly #dir: string;
  readonly #children = new Set<SpawnedProcess>();
  readonly #groups: ProcessGroups | undefined;

  private constructor(
    argv: string[],
    env: Record<string, string>,
    dir: string,
    groups: ProcessGroups | undefined,
  ) {
    this.#argv = argv;
    this.#env = env;
    this.#dir = dir;
    this.#groups = groups;
  }

  /**
   * Prepares the client for `conn` (throws when {@linkcode openSshUnsupported}). Children are
   * registered in `groups` so a server shutdown kills them.
   */
  static async create(
    conn: SshConnection,
    pool: SshPool,
    sshPath: string,
    groups?: ProcessGroups,
  ): Promise<OpenSshEngine> {
    const why = openSshUnsupported(conn);
    if (why) throw new Error(`Cannot use the OpenSSH transfer engine: ${why}`);
    const t = conn.target;
    const key = conn.hostKey!;
    const dir = await Deno.makeTempDir({ prefix: "relay-shell-xfer-" });
    await Deno.chmod(dir, 0o700);
    const known = `${dir}/known_hosts`;
    await Deno.writeTextFile(known, `${ALIAS} ${key.keyType} ${encodeBase64(key.key)}\n`, {
      mode: 0o600,
    });
    const env: Record<string, string> = {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? dir,
      LANG: "C",
    };
    const opts = [
      "BatchMode=no",
      "StrictHostKeyChecking=yes",
      `UserKnownHostsFile=${known}`,
      "GlobalKnownHostsFile=/dev/null",
      `HostKeyAlias=${ALIAS}`,
      `HostKeyAlgorithms=${hostKeyAlgorithms(key.keyType)}`,
      "CheckHostIP=no",
      "UpdateHostKeys=no",
      "ControlMaster=no",
      "ControlPath=none",
      "ProxyCommand=none",
      "ProxyJump=none",
      "ClearAllForwardings=yes",
      "ForwardAgent=no",
      "ForwardX11=no",
      "Compression=no",
      // AES-GCM first: the fastest cipher of OpenSSH with AES-NI (docs/adr/0015).
      "Ciphers=^aes128-gcm@openssh.com",
      "LogLevel=ERROR",
      "NumberOfPasswordPrompts=1",
      `ConnectTimeout=${Math.max(1, t.connectTimeout)}`,
      `IdentitiesOnly=${t.identitiesOnly ? "yes" : "no"}`,
      "PubkeyAuthentication=yes",
      "HostbasedAuthentication=no",
      "GSSAPIAuthentication=no",
    ];
    const agent = t.identityAgent && isSocket(t.identityAgent) ? t.identityAgent : "none";
    opts.push(`IdentityAgent=${agent}`);
    const methods = ["publickey"];
    const ids = t.identityFiles.filter((f) => {
      try {
        return Deno.statSync(f).isFile;
      } catch {
        return false;
      }
    });
    let askpass = false;
    if (t.passphraseEnv && ids.length > 0) {
      const v = pool.credential(t.passphraseEnv);
      if (v) {
        env.RELAY_SHELL_ASKPASS_PASSPHRASE = v;
        askpass = true;
      }
    }
    if (t.passwordEnv) {
      const v = pool.credential(t.passwordEnv);
      if (v) {
        env.RELAY_SHELL_ASKPASS_PASSWORD = v;
        askpass = true;
        methods.push("keyboard-interactive", "password");
      }
    }
    opts.push(
      `PreferredAuthentications=${methods.join(",")}`,
      `PasswordAuthentication=${methods.includes("password") ? "yes" : "no"}`,
      `KbdInteractiveAuthentication=${methods.includes("password") ? "yes" : "no"}`,
    );
    if (askpass) {
      const script = `${dir}/askpass`;
      await Deno.writeTextFile(script, ASKPASS, { mode: 0o700 });
      env.SSH_ASKPASS = script;
      env.SSH_ASKPASS_REQUIRE = "force";
      env.DISPLAY = "relay-shell:0";
    } else {
      opts[0] = "BatchMode=yes";
    }
    const argv = [sshPath, "-F", "/dev/null", "-T", "-x", "-a", "-e", "none"];
    for (const o of opts) argv.push("-o", o);
    for (const f of ids) argv.push("-i", f);
    argv.push("-p", String(t.port), "-l", t.user, "--", t.hostname);
    return new OpenSshEngine(argv, env, dir, groups);
  }

  /** The argv before the remote command (for tests: no secret is ever in it). */
  get argv(): readonly string[] {
    return this.#argv;
  }

  /** Runs `ssh … command` with stdin or stdout redirected to `file` by /bin/sh (no copy here). */
  #spawn(command: string, redirect: "<" | ">", file: string): SpawnedProcess {
    // `set -C`: `>` creates the file exclusively (O_EXCL); umask 077: mode 0600 until renamed.
    // The child leads its own process group (spawnDeno), so a kill reaches ssh.
    const script = `set -C; umask 077; f=$1; shift; exec "$@" ${redirect} "$f"`;
    const child = spawnDeno(
      ["/bin/sh", "-c", script, "relay-shell-transfer", file, ...this.#argv, command],
      { env: this.#env, stdin: "null", stdout: "null", stderr: "piped" },
    );
    this.#children.add(child);
    this.#groups?.add(child.pid);
    child.status.finally(() => {
      this.#children.delete(child);
      this.#groups?.delete(child.pid);
    });
    return child;
  }

  /**
   * Waits for the child, reporting growth of the destination (`sizeOf`) every 250 ms; kills it
   * (by pid) on abort. Rejects with the abort reason, or with ssh's last stderr line.
   */
  async #watch(
    child: SpawnedProcess,
    what: string,
    o: OpenSshMoveOptions,
  ): Promise<number> {
    const kill = () => killQuietly(child);
    o.signal.addEventListener("abort", kill, { once: true });
    const stderr = new Response(child.stderr).text().catch(() => "");
    let seen = 0;
    let finished = false;
    let polling: Promise<void> | null = null;
    const poll = () => {
      polling ??= o.sizeOf().then((n) => {
        if (!finished && n > seen) {
          o.onBytes(n - seen);
          seen = n;
        }
      }).catch(() => {/* not created yet */}).finally(() => (polling = null));
    };
    const timer = setInterval(poll, 250);
    let st: Deno.CommandStatus;
    try {
      st = await child.status;
    } finally {
      clearInterval(timer);
      o.signal.removeEventListener("abort", kill);
      // A size poll still in flight must not count bytes after the final step below.
      await polling;
      finished = true;
    }
    const err = (await stderr).trim().split("\n").filter(Boolean).pop() ?? "";
    o.signal.throwIfAborted();
    if (!st.success) {
      const why = err.replace(/^((ba|da|z)?sh|relay-shell-transfer): (\d+: |line \d+: )?/, "") ||
        `ssh exited with ${st.code}`;
      throw new Error(`${what}: ${why}`);
    }
    const total = await o.sizeOf().catch(() => o.size);
    if (total > seen) o.onBytes(total - seen);
    return total;
  }

  /** Streams local `src` into remote `dest` (created with mode 0600); ssh reads the file itself. */
  async put(src: string, dest: string, o: OpenSshMoveOptions): Promise<number> {
    const child = this.#spawn(`umask 077; exec cat > ${shellQuote(dest)}`, "<", src);
    return await this.#watch(child, `write ${dest}`, o);
  }

  /** Streams remote `src` into local `dest` (created here, exclusively, mode 0600). */
  async get(src: string, dest: string, o: OpenSshMoveOptions): Promise<number> {
    const child = this.#spawn(`exec cat < ${shellQuote(src)}`, ">", dest);
    return await this.#watch(child, `read ${src}`, o);
  }

  /** Kills children still running and removes the temporary directory. */
  async dispose(): Promise<void> {
    for (const c of this.#children) killQuietly(c);
    await Promise.allSettled([...this.#children].map((c) => c.status));
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}

function killQuietly(child: SpawnedProcess): void {
  signalGroup(child.pid, "SIGTERM");
}
