/**
 * The sudo test user: `rstest-sudo`, created once per machine (it stays, like the sshd harness's
 * rstest-* users), given a fresh random password for each test (kept in this process's memory
 * only), and a sudoers rule that requires that password, installed in /etc/sudoers.d after a
 * `visudo -cf` check and removed when the test releases the user. A machine-wide lock keeps
 * concurrent test runs from changing the password under each other. Needs root.
 */
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { endStdin, ROOT, type TestClient } from "./server.ts";

/** The user name. */
export const SUDO_TEST_USER = "rstest-sudo";
const SUDOERS = "/etc/sudoers.d/rstest-sudo";
const LOCK = "/tmp/relay-shell-rstest-sudo.lock";

/** The user while a test holds it. */
export interface SudoTestUser {
  /** The user name. */
  readonly user: string;
  /** Its home directory. */
  readonly home: string;
  /** Its current password (random per acquisition). */
  readonly password: string;
  /** Removes the sudoers rule and releases the lock. */
  release(): Promise<void>;
}

/** True when the harness can run (it creates users and edits /etc/sudoers.d). */
export const canManageUsers: boolean = Deno.uid() === 0;

/** True when any user can reach `path`: every directory on the way searchable, the file readable. */
export function worldReachable(path: string, mode = 0o004): boolean {
  try {
    const parts = path.split("/").filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      const p = "/" + parts.slice(0, i + 1).join("/");
      const st = Deno.statSync(p);
      const need = i === parts.length - 1 ? mode : 0o001;
      if (((st.mode ?? 0) & need) !== need) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** True when a server can be started as the test user: root, and deno and the project readable by all. */
export const canRunServerAsUser: boolean = canManageUsers &&
  worldReachable(Deno.execPath(), 0o005) &&
  worldReachable(new URL("../../main.ts", import.meta.url).pathname);

async function run(argv: string[], stdin?: string): Promise<void> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  if (out.code !== 0) {
    throw new Error(
      `${argv[0]} failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

function randomPassword(): string {
  const b = crypto.getRandomValues(new Uint8Array(15));
  return "Rs-" + btoa(String.fromCharCode(...b)).replaceAll("+", "x").replaceAll("/", "y");
}

/** Takes the user: creates it if needed, sets a new password and installs the sudoers rule. */
export async function acquireSudoUser(): Promise<SudoTestUser> {
  const lock = await Deno.open(LOCK, { create: true, write: true });
  await lock.lock(true);
  try {
    try {
      await run(["id", SUDO_TEST_USER]);
    } catch {
      await run(["useradd", "-m", "-s", "/bin/bash", SUDO_TEST_USER]);
    }
    const password = randomPassword();
    await run(["chpasswd"], `${SUDO_TEST_USER}:${password}\n`);
    const tmp = await Deno.makeTempFile({ prefix: "rstest-sudoers-" });
    await Deno.writeTextFile(
      tmp,
      `# relay-shell test harness: removed when the test ends\n` +
        `Defaults:${SUDO_TEST_USER} !lecture, passwd_tries=3\n` +
        `${SUDO_TEST_USER} ALL=(ALL:ALL) ALL\n`,
    );
    try {
      await run(["visudo", "-cf", tmp]);
      await Deno.chmod(tmp, 0o440);
      await Deno.rename(tmp, SUDOERS);
    } finally {
      await Deno.remove(tmp).catch(() => {});
    }
    const home = `/home/${SUDO_TEST_USER}`;
    return {
      user: SUDO_TEST_USER,
      home,
      password,
      async release() {
        await Deno.remove(SUDOERS).catch(() => {});
        await lock.unlock().catch(() => {});
        lock.close();
      },
    };
  } catch (err) {
    await Deno.remove(SUDOERS).catch(() => {});
    lock.close();
    throw err;
  }
}

/** argv that runs `argv` as the test user (setpriv execs in place: the pid stays the program's). */
export function asTestUser(argv: readonly string[]): string[] {
  return [
    "/usr/bin/setpriv",
    `--reuid=${SUDO_TEST_USER}`,
    `--regid=${SUDO_TEST_USER}`,
    "--init-groups",
    ...argv,
  ];
}

/** A relay-shell server running as the test user over stdio, with a connected client. */
export interface UserServer {
  /** The client. */
  client: TestClient;
  /** Its state directory (owned by the user). */
  dir: string;
  /** The audit file. */
  auditPath: string;
  /** Everything the server wrote to stderr. */
  stderr(): string;
  /** Ends the server and removes the state directory. */
  close(): Promise<void>;
}

async function ids(user: string): Promise<{ uid: number; gid: number }> {
  const out = async (flag: string) =>
    Number(
      new TextDecoder().decode(
        (await new Deno.Command("id", { args: [flag, user], stdout: "piped" }).output()).stdout,
      ).trim(),
    );
  return { uid: await out("-u"), gid: await out("-g") };
}

/**
 * Starts the server the way the README does, but as `user` (through runuser), with a clean
 * environment plus `extraEnv`, and connects the 2.x client.
 */
export async function startStdioAs(
  user: string,
  extraEnv: Record<string, string> = {},
): Promise<UserServer> {
  const { uid, gid } = await ids(user);
  const dir = await Deno.makeTempDir({ prefix: "relay-shell-user-" });
  await Deno.chown(dir, uid, gid);
  await Deno.chmod(dir, 0o700);
  const env: Record<string, string> = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    LANG: "C.UTF-8",
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
    RELAY_SHELL_STATE_DIR: dir,
    RELAY_SHELL_AUDIT_PATH: `${dir}/audit.jsonl`,
    ...extraEnv,
  };
  const transport = new StdioClientTransport({
    command: "/usr/sbin/runuser",
    args: ["-u", user, "--", Deno.execPath(), "run", "-P=relay-shell", "--no-prompt", "main.ts"],
    cwd: ROOT,
    env,
    stderr: "pipe",
  });
  const errs: string[] = [];
  // deno-lint-ignore no-explicit-any
  (transport.stderr as any)?.on?.(
    "data",
    (d: Uint8Array) => errs.push(new TextDecoder().decode(d)),
  );
  const client = new Client({ name: "test-user", version: "1.0.0" });
  await client.connect(transport);
  return {
    client: client as unknown as TestClient,
    dir,
    auditPath: `${dir}/audit.jsonl`,
    stderr: () => errs.join(""),
    async close() {
      await endStdin(transport);
      await client.close().catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
