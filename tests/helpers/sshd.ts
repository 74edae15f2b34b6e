/**
 * A real OpenSSH `sshd` for tests: its own config and freshly generated host keys (ed25519,
 * RSA, ECDSA) in a temp dir, a free 127.0.0.1 port, its stderr log captured, test users with
 * ed25519, RSA, passphrase-protected and password credentials, and an `ssh-agent` holding the
 * ed25519 key. Start a second instance for a jump host. Needs root or passwordless sudo (to
 * create users, set a password and run sshd, which must be root to switch users).
 *
 * Secrets (the password and the key passphrase) live only in this process: in memory and in
 * `RSTEST_SSH_PASSWORD` / `RSTEST_SSH_PASSPHRASE` of this process's environment (so parallel test
 * workers agree). They are never printed; the system `ssh` client receives them through an
 * askpass script that reads `RSTEST_ASKPASS_VALUE` from its own environment.
 */

import {
  asRoot,
  type ClientKey,
  ensureTestUsers,
  keygen,
  run,
  sshKeygenFingerprint,
  type TestCredentials,
} from "./sshd_users.ts";

import { alive, descendants, freePort, signal } from "./sshd_process.ts";

export {
  type ClientKey,
  descendants,
  ensureTestUsers,
  freePort,
  sshKeygenFingerprint,
  type TestCredentials,
};

const SSHD = "/usr/sbin/sshd";

/** The host key types every harness generates. */
export const HOST_KEY_TYPES = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"] as const;
/** A host key type of the harness. */
export type HostKeyType = typeof HOST_KEY_TYPES[number];

/** A host key of a harness. */
export interface HarnessHostKey {
  /** Key type. */
  readonly type: HostKeyType;
  /** Private key path. */
  readonly path: string;
  /** `type base64` of the public key. */
  readonly publicLine: string;
  /** Fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). */
  readonly fingerprint: string;
}

/** How the system ssh client should authenticate in {@linkcode SshdHarness.sshArgs}. */
export type ClientAuth = "ed25519" | "rsa" | "passphrase" | "password" | "agent";

/** Options for {@linkcode startSshd}. */
export interface StartSshdOptions {
  /** Listen on this port instead of a free one. */
  port?: number;
  /** Extra sshd_config lines. */
  extraConfig?: readonly string[];
  /** Start an ssh-agent with the ed25519 key (default true). */
  agent?: boolean;
  /** Label used in error messages (e.g. "jump"). */
  name?: string;
}

/** Options for {@linkcode SshdHarness.restart}. */
export interface RestartOptions {
  /** Generate new host keys first (a "changed host key"). */
  newHostKeys?: boolean;
  /** Replace the extra config lines. */
  extraConfig?: readonly string[];
}

/** A running sshd; see the module notes. */
export class SshdHarness {
  /** The address it listens on. */
  readonly host = "127.0.0.1";
  /** Its temp dir (config, host keys, authorized keys, log, known_hosts). */
  readonly dir: string;
  /** Test users and credentials. */
  readonly users: TestCredentials;
  /** Label for messages. */
  readonly name: string;
  #port: number;
  #extra: readonly string[];
  #child: Deno.ChildProcess | undefined;
  #log = "";
  #reader: Promise<void> | undefined;
  #logWaiters: (() => void)[] = [];
  #hostKeys: HarnessHostKey[] = [];
  #agent: Deno.ChildProcess | undefined;
  #agentSocket: string | null = null;

  private constructor(
    dir: string,
    users: TestCredentials,
    port: number,
    options: StartSshdOptions,
  ) {
    this.dir = dir;
    this.users = users;
    this.#port = port;
    this.#extra = options.extraConfig ?? [];
    this.name = options.name ?? "sshd";
  }

  /** Use {@linkcode startSshd}. */
  static async create(options: StartSshdOptions = {}): Promise<SshdHarness> {
    const users = await ensureTestUsers();
    const dir = await Deno.makeTempDir({ prefix: "rstest-sshd-" });
    await Deno.chmod(dir, 0o755);
    const h = new SshdHarness(dir, users, options.port ?? 0, options);
    try {
      await h.#writeAuthorizedKeys();
      await h.#generateHostKeys();
      await h.#start(options.port === undefined);
      if (options.agent ?? true) await h.#startAgent();
      await Deno.writeTextFile(h.knownHostsPath, h.#knownHostsText());
    } catch (err) {
      await h.stop();
      throw err;
    }
    return h;
  }

  /** The listening port. */
  get port(): number {
    return this.#port;
  }

  /** The sshd pid (sudo's pid when started through sudo). */
  get pid(): number {
    return this.#child?.pid ?? 0;
  }

  /** The current host keys. */
  get hostKeys(): readonly HarnessHostKey[] {
    return this.#hostKeys;
  }

  /** The ssh-agent socket holding the ed25519 key, or null. */
  get agentSocket(): string | null {
    return this.#agentSocket;
  }

  /** A known_hosts file listing this instance's current host keys (`[127.0.0.1]:port`). */
  get knownHostsPath(): string {
    return `${this.dir}/known_hosts`;
  }

  /** Everything sshd wrote to stderr so far. */
  log(): string {
    return this.#log;
  }

  /**
   * Waits until the log matches `pattern` (sshd's lines arrive asynchronously, often after the
   * client has already finished); rejects with the log after `timeoutMs`.
   */
  async waitForLog(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.#log)) {
      if (Date.now() > deadline) {
        throw new Error(`${this.name}: log never matched ${pattern}:\n${this.#log}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#logWaiters.push(resolve);
        timer = setTimeout(resolve, 50);
      });
      clearTimeout(timer);
    }
    return this.#log;
  }

  /** The host key of `type`. */
  hostKey(type: HostKeyType = "ssh-ed25519"): HarnessHostKey {
    const k = this.#hostKeys.find((h) => h.type === type);
    if (!k) throw new Error(`no ${type} host key`);
    return k;
  }

  /** Its SHA-256 fingerprint as `ssh-keygen -lf` prints it. */
  fingerprint(type: HostKeyType = "ssh-ed25519"): string {
    return this.hostKey(type).fingerprint;
  }

  /** A known_hosts line for a host key: `[host]:port type base64` (plain `host` on port 22). */
  knownHostsLine(host = this.host, port = this.#port, type: HostKeyType = "ssh-ed25519"): string {
    const name = port === 22 ? host : `[${host}]:${port}`;
    return `${name} ${this.hostKey(type).publicLine}`;
  }

  #knownHostsText(): string {
    return HOST_KEY_TYPES.map((t) => this.knownHostsLine(this.host, this.#port, t)).join("\n") +
      "\n";
  }

  /**
   * `-o` options (plus `-p` and the destination) for the system ssh client, checking host keys
   * strictly against {@linkcode knownHostsPath}. Pair with {@linkcode sshEnv} for secrets.
   */
  sshArgs(auth: ClientAuth, extra: readonly string[] = []): string[] {
    const u = this.users;
    const user = auth === "rsa" ? u.rsa.user : auth === "password" ? u.password.user : u.ed.user;
    const opts: Record<string, string> = {
      UserKnownHostsFile: this.knownHostsPath,
      GlobalKnownHostsFile: "/dev/null",
      StrictHostKeyChecking: "yes",
      IdentitiesOnly: "yes",
      IdentityAgent: "none",
      PasswordAuthentication: "no",
      KbdInteractiveAuthentication: "no",
      PubkeyAuthentication: "yes",
      BatchMode: "yes",
      ConnectTimeout: "10",
      LogLevel: "ERROR",
    };
    const keys: string[] = [];
    if (auth === "ed25519") keys.push(u.ed.path);
    if (auth === "rsa") keys.push(u.rsa.path);
    if (auth === "passphrase") {
      keys.push(u.passphraseKey.path);
      opts.BatchMode = "no";
    }
    if (auth === "agent") {
      opts.IdentityAgent = this.#agentSocket ?? "none";
      opts.IdentitiesOnly = "no";
      opts.IdentityFile = "none";
    }
    if (auth === "password") {
      opts.PasswordAuthentication = "yes";
      opts.PubkeyAuthentication = "no";
      opts.PreferredAuthentications = "password";
      opts.BatchMode = "no";
    }
    const args = ["-F", "/dev/null"];
    for (const [k, v] of Object.entries(opts)) args.push("-o", `${k}=${v}`);
    for (const k of keys) args.push("-i", k);
    return [...args, ...extra, "-p", String(this.#port), `${user}@${this.host}`];
  }

  /** Environment for the ssh client: askpass for password/passphrase auth (values not printed). */
  sshEnv(auth: ClientAuth): Record<string, string> {
    const env: Record<string, string> = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };
    const secret = auth === "password"
      ? this.users.password.password
      : auth === "passphrase"
      ? this.users.passphraseKey.passphrase
      : undefined;
    if (secret !== undefined) {
      env.SSH_ASKPASS = this.users.askpass;
      env.SSH_ASKPASS_REQUIRE = "force";
      env.DISPLAY = ":0";
      env.RSTEST_ASKPASS_VALUE = secret;
    }
    return env;
  }

  /** An ssh_config `Host` block for this instance (for `ssh -F` and ProxyJump through it). */
  clientConfigBlock(alias: string, auth: Exclude<ClientAuth, "password" | "passphrase">): string {
    const u = this.users;
    const user = auth === "rsa" ? u.rsa.user : u.ed.user;
    const lines = [
      `Host ${alias}`,
      `  HostName ${this.host}`,
      `  Port ${this.#port}`,
      `  User ${user}`,
      `  UserKnownHostsFile ${this.knownHostsPath}`,
      `  GlobalKnownHostsFile /dev/null`,
      `  StrictHostKeyChecking yes`,
      `  BatchMode yes`,
      `  PasswordAuthentication no`,
      `  LogLevel ERROR`,
    ];
    if (auth === "agent") lines.push(`  IdentityAgent ${this.#agentSocket ?? "none"}`);
    else {
      lines.push(`  IdentityAgent none`, `  IdentitiesOnly yes`);
      lines.push(`  IdentityFile ${auth === "rsa" ? u.rsa.path : u.ed.path}`);
    }
    return lines.join("\n") + "\n";
  }

  async #writeAuthorizedKeys(): Promise<void> {
    const ak = `${this.dir}/authorized_keys`;
    await Deno.mkdir(ak, { mode: 0o755 });
    await Deno.chmod(ak, 0o755);
    const u = this.users;
    const files: Record<string, string> = {
      [u.ed.user]: `${u.ed.publicLine}\n${u.passphraseKey.publicLine}\n`,
      [u.rsa.user]: `${u.rsa.publicLine}\n`,
      [u.password.user]: "",
    };
    for (const [user, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${ak}/${user}`, text, { mode: 0o644 });
      await Deno.chmod(`${ak}/${user}`, 0o644);
    }
  }

  async #generateHostKeys(): Promise<void> {
    const keys: HarnessHostKey[] = [];
    const spec: [HostKeyType, string][] = [
      ["ssh-ed25519", "ed25519"],
      ["ssh-rsa", "rsa"],
      ["ecdsa-sha2-nistp256", "ecdsa"],
    ];
    await Promise.all(spec.map(async ([type, kind]) => {
      const path = `${this.dir}/ssh_host_${kind}_key`;
      await Deno.remove(path).catch(() => {});
      await Deno.remove(`${path}.pub`).catch(() => {});
      const line = await keygen(path, kind, "", "");
      keys.push({
        type,
        path,
        publicLine: line.split(/\s+/).slice(0, 2).join(" "),
        fingerprint: await sshKeygenFingerprint(`${path}.pub`),
      });
    }));
    this.#hostKeys = HOST_KEY_TYPES.map((t) => keys.find((k) => k.type === t)!);
  }

  #config(): string {
    const u = this.users;
    return [
      `Port ${this.#port}`,
      `ListenAddress ${this.host}`,
      ...this.#hostKeys.map((k) => `HostKey ${k.path}`),
      "PidFile none",
      "UsePAM no",
      `AuthorizedKeysFile ${this.dir}/authorized_keys/%u`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication yes",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin no",
      `AllowUsers ${u.ed.user} ${u.rsa.user} ${u.password.user}`,
      "StrictModes no",
      "AllowTcpForwarding yes",
      "GatewayPorts no",
      "X11Forwarding no",
      "PrintMotd no",
      "Subsystem sftp internal-sftp",
      "LogLevel VERBOSE",
      ...this.#extra,
      "",
    ].join("\n");
  }

  async #start(pickPort: boolean): Promise<void> {
    await asRoot(["mkdir", "-p", "/run/sshd"]);
    let lastError = "";
    for (let attempt = 0; attempt < 6; attempt++) {
      if (pickPort) this.#port = freePort();
      await Deno.writeTextFile(`${this.dir}/sshd_config`, this.#config());
      const argv = [SSHD, "-D", "-e", "-f", `${this.dir}/sshd_config`];
      const cmd = Deno.uid() === 0 ? argv : ["sudo", "-n", ...argv];
      this.#log = "";
      this.#child = new Deno.Command(cmd[0], {
        args: cmd.slice(1),
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      this.#reader = this.#readLog(this.#child);
      const ready = await this.#waitReady(10_000);
      if (ready === "ready") return;
      lastError = ready;
      await this.#stopProcess();
      if (!/Address already in use|Cannot bind/.test(ready)) break;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
    throw new Error(`${this.name}: sshd did not start on port ${this.#port}: ${lastError}`);
  }

  async #readLog(child: Deno.ChildProcess): Promise<void> {
    const d = new TextDecoder();
    for await (const chunk of child.stderr) {
      this.#log += d.decode(chunk, { stream: true });
      for (const w of this.#logWaiters.splice(0)) w();
    }
    for (const w of this.#logWaiters.splice(0)) w();
  }

  async #waitReady(timeoutMs: number): Promise<"ready" | string> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    this.#child!.status.then(() => (exited = true));
    while (Date.now() < deadline) {
      if (this.#log.includes(`Server listening on ${this.host} port ${this.#port}`)) {
        return "ready";
      }
      if (exited) return `exited: ${this.#log.trim() || "(no output)"}`;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#logWaiters.push(resolve);
        timer = setTimeout(resolve, 50);
      });
      clearTimeout(timer);
    }
    return `timed out waiting for "Server listening": ${this.#log.trim()}`;
  }

  async #stopProcess(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    // Freeze the tree first so no connection child is forked between the snapshot and the kill
    // (with sudo, child.pid is sudo itself, which is only ever sent SIGTERM).
    const frozen = Deno.uid() === 0 ? [child.pid] : [];
    let kids = descendants(child.pid);
    for (let round = 0; round < 2; round++) {
      await signal([...frozen, ...kids], "SIGSTOP");
      kids = descendants(child.pid);
    }
    await signal([child.pid], "SIGTERM");
    await signal(kids, "SIGTERM");
    // sudo stops itself when its child is stopped: continue it too.
    await signal([child.pid, ...kids], "SIGCONT");
    let done = false;
    const status = child.status.then(() => (done = true));
    const deadline = Date.now() + 3000;
    while (!done && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!done) await signal([child.pid, ...kids], "SIGKILL");
    await status;
    await this.#reader;
    const until = Date.now() + 2000;
    while (kids.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await signal(kids, "SIGKILL");
  }

  async #startAgent(): Promise<void> {
    const sock = `${this.dir}/agent.sock`;
    this.#agent = new Deno.Command("ssh-agent", {
      args: ["-D", "-a", sock],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      try {
        await Deno.stat(sock);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await run(["ssh-add", "-q", this.users.ed.path], {
      env: { SSH_AUTH_SOCK: sock, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
    });
    this.#agentSocket = sock;
  }

  /** Stops sshd and starts it again on the same port (optionally with new host keys). */
  async restart(options: RestartOptions = {}): Promise<void> {
    await this.#stopProcess();
    if (options.extraConfig) this.#extra = options.extraConfig;
    if (options.newHostKeys) await this.#generateHostKeys();
    await this.#start(false);
    await Deno.writeTextFile(this.knownHostsPath, this.#knownHostsText());
  }

  /** Stops sshd (and its per-connection children) and the agent, and removes the temp dir. */
  async stop(): Promise<void> {
    await this.#stopProcess();
    if (this.#agent) {
      const agent = this.#agent;
      this.#agent = undefined;
      try {
        agent.kill("SIGTERM");
      } catch { /* already gone */ }
      await agent.status;
    }
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  /** Same as {@linkcode stop} (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** Starts an sshd on a free 127.0.0.1 port; call `stop()` (or `await using`) when done. */
export function startSshd(options: StartSshdOptions = {}): Promise<SshdHarness> {
  return SshdHarness.create(options);
}
