/**
 * The test users of the sshd harness and their credentials: `rstest-ed` (ed25519 and a
 * passphrase-protected ed25519 key), `rstest-rsa` (RSA 3072) and `rstest-pw` (a random password),
 * created once per machine with `useradd -m` under a machine-wide lock, with client keys generated
 * once per process in a temp dir (removed on unload). Needs root or passwordless sudo.
 *
 * Secrets live only in this process: in memory and in `RSTEST_SSH_PASSWORD` /
 * `RSTEST_SSH_PASSPHRASE` of this process's environment (so parallel test workers agree). They
 * are never printed.
 */

const USERS = { ed: "rstest-ed", rsa: "rstest-rsa", pw: "rstest-pw" } as const;
const LOCK_FILE = "/tmp/relay-shell-rstest-users.lock";

/** A client key pair on disk. */
export interface ClientKey {
  /** The user it is authorized for. */
  readonly user: string;
  /** Private key path. */
  readonly path: string;
  /** The public key line (`type base64 comment`). */
  readonly publicLine: string;
}

/** Test users and their credentials (shared by every harness of this process). */
export interface TestCredentials {
  /** Directory holding the client keys and the askpass script. */
  readonly dir: string;
  /** ed25519 key of `rstest-ed` (also loaded in each harness's agent). */
  readonly ed: ClientKey;
  /** RSA 3072 key of `rstest-rsa`. */
  readonly rsa: ClientKey;
  /** Passphrase-protected ed25519 key of `rstest-ed`. */
  readonly passphraseKey: ClientKey & { readonly passphrase: string };
  /** Password user `rstest-pw`. */
  readonly password: { readonly user: string; readonly password: string };
  /** Askpass script printing `$RSTEST_ASKPASS_VALUE` (for the system ssh client). */
  readonly askpass: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Runs a program; throws with its stderr on a non-zero exit unless `allowFail`. */
export async function run(
  argv: string[],
  options: { stdin?: string; env?: Record<string, string>; allowFail?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: options.stdin !== undefined ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: options.env,
  }).spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(enc.encode(options.stdin));
    await w.close();
  }
  const out = await child.output();
  const r = { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  if (r.code !== 0 && !options.allowFail) {
    throw new Error(`${argv[0]} ${argv[1] ?? ""} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
  return r;
}

let privilegeChecked: Promise<void> | undefined;

/** Root, or passwordless sudo; otherwise an Error saying why the harness needs it. */
export function checkPrivilege(): Promise<void> {
  privilegeChecked ??= (async () => {
    if (Deno.uid() === 0) return;
    const r = await run(["sudo", "-n", "true"], { allowFail: true }).catch(() => ({ code: 127 }));
    if (r.code !== 0) {
      throw new Error(
        "the sshd test harness needs root or passwordless sudo: it creates the test users " +
          "rstest-ed, rstest-rsa and rstest-pw, sets a password, and runs sshd, which must be " +
          "root to log users in. Run the tests as root or allow `sudo -n` for this user.",
      );
    }
  })();
  return privilegeChecked;
}

/** Runs argv as root (directly when root, else through `sudo -n`). */
export async function asRoot(argv: string[], stdin?: string): Promise<void> {
  await checkPrivilege();
  await run(Deno.uid() === 0 ? argv : ["sudo", "-n", ...argv], { stdin });
}

function randomSecret(): string {
  const b = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...b)).replace(/[+/=]/g, "x");
}

function userExists(name: string): boolean {
  try {
    return Deno.readTextFileSync("/etc/passwd").split("\n").some((l) => l.startsWith(`${name}:`));
  } catch {
    return false;
  }
}

async function withMachineLock<T>(task: () => Promise<T>): Promise<T> {
  let fh: Deno.FsFile;
  try {
    fh = await Deno.open(LOCK_FILE, { read: true, write: true, create: true, mode: 0o666 });
    await Deno.chmod(LOCK_FILE, 0o666).catch(() => {}); // let other users lock it too
  } catch (err) {
    if (!(err instanceof Deno.errors.PermissionDenied)) throw err;
    fh = await Deno.open(LOCK_FILE, { read: true }); // flock needs no write access
  }
  try {
    await fh.lock(true);
    try {
      return await task();
    } finally {
      await fh.unlock();
    }
  } finally {
    fh.close();
  }
}

/** Generates a key pair with ssh-keygen; returns the public line. */
export async function keygen(
  path: string,
  type: string,
  passphrase = "",
  comment = "",
): Promise<string> {
  const bits = type === "rsa" ? ["-b", "3072"] : type === "ecdsa" ? ["-b", "256"] : [];
  await run(["ssh-keygen", "-q", "-t", type, ...bits, "-N", passphrase, "-C", comment, "-f", path]);
  return (await Deno.readTextFile(`${path}.pub`)).trim();
}

/** The fingerprint `ssh-keygen -lf` prints for a public key file. */
export async function sshKeygenFingerprint(pubPath: string): Promise<string> {
  const r = await run(["ssh-keygen", "-lf", pubPath]);
  const m = /SHA256:[A-Za-z0-9+/]+/.exec(r.stdout);
  if (!m) throw new Error(`ssh-keygen -lf printed no SHA256 fingerprint: ${r.stdout}`);
  return m[0];
}

let credentials: Promise<TestCredentials> | undefined;

/** Creates the test users (once per machine) and this process's client keys (once). */
export function ensureTestUsers(): Promise<TestCredentials> {
  credentials ??= (async () => {
    await checkPrivilege();
    const dir = await Deno.makeTempDir({ prefix: "rstest-keys-" });
    await Deno.chmod(dir, 0o755);
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* best effort */ }
    });
    const { password, passphrase } = await withMachineLock(async () => {
      for (const name of Object.values(USERS)) {
        if (!userExists(name)) await asRoot(["useradd", "-m", "-s", "/bin/bash", name]);
      }
      // Without PAM, sshd refuses every method for an account whose password is locked ("!").
      await asRoot(["usermod", "-p", "*", USERS.ed]);
      await asRoot(["usermod", "-p", "*", USERS.rsa]);
      let pw = Deno.env.get("RSTEST_SSH_PASSWORD");
      if (!pw) {
        pw = randomSecret();
        Deno.env.set("RSTEST_SSH_PASSWORD", pw);
      }
      await asRoot(["chpasswd"], `${USERS.pw}:${pw}\n`);
      let pp = Deno.env.get("RSTEST_SSH_PASSPHRASE");
      if (!pp) {
        pp = randomSecret();
        Deno.env.set("RSTEST_SSH_PASSPHRASE", pp);
      }
      return { password: pw, passphrase: pp };
    });
    const key = async (file: string, type: string, user: string, pass = "") => ({
      user,
      path: `${dir}/${file}`,
      publicLine: await keygen(`${dir}/${file}`, type, pass, `${user}@relay-shell-test`),
    });
    const [ed, rsa, pp] = await Promise.all([
      key("id_ed25519", "ed25519", USERS.ed),
      key("id_rsa", "rsa", USERS.rsa),
      key("id_ed25519_pass", "ed25519", USERS.ed, passphrase),
    ]);
    const askpass = `${dir}/askpass.sh`;
    await Deno.writeTextFile(askpass, `#!/bin/sh\nprintf '%s\\n' "$RSTEST_ASKPASS_VALUE"\n`, {
      mode: 0o755,
    });
    await Deno.chmod(askpass, 0o755);
    return {
      dir,
      ed,
      rsa,
      passphraseKey: { ...pp, passphrase },
      password: { user: USERS.pw, password },
      askpass,
    };
  })();
  credentials.catch(() => (credentials = undefined));
  return credentials;
}
