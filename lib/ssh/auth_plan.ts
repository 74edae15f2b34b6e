/**
 * The authentication plan for one connection, in OpenSSH's order: agent keys (only those matching
 * the identity files under IdentitiesOnly), then identity files (an encrypted one is decrypted
 * with the passphrase from the variable `passphrase_env` names), then keyboard-interactive and
 * password with the value of the variable `password_env` names. Credentials are read from the
 * environment at connect time and never leave this module except to ssh2 (and to `onSecret`, so
 * the redactor can hide them). Keys that cannot be used are reported by file name and skipped.
 */
import type { ResolvedTarget } from "./hosts/target.ts";
import {
  openSshAgent,
  parseSsh2Key,
  type Ssh2Agent,
  type Ssh2AuthAttempt,
  type Ssh2ConnectConfig,
  type Ssh2ParsedKey,
} from "./_ssh2.ts";

/** Options for {@linkcode buildAuthPlan}. */
export interface AuthPlanOptions {
  /** Reads a credential variable (default: the process environment). */
  getEnv?: (name: string) => string | undefined;
  /** Gets every credential value read, so it can be redacted from output. */
  onSecret?: (value: string) => void;
  /** Home directory for `~/…` in messages. */
  home?: string;
}

/** A connection's authentication steps and what was learnt preparing them. */
export interface AuthPlan {
  /** Pass as ssh2's `authHandler`. */
  readonly handler: Ssh2ConnectConfig["authHandler"];
  /** Methods tried so far, with the reason each was refused or skipped (for SshAuthError). */
  attempts(): string[];
  /** Keys and credentials that could not be used (named by file or variable), even if auth succeeds. */
  readonly problems: readonly string[];
}

type Step = { label: string; method: string; make: () => Ssh2AuthAttempt };

const PROBE = new Uint8Array([0x72, 0x65, 0x6c, 0x61, 0x79]);

function short(path: string, home?: string): string {
  return home && home !== "/" && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

function isSocket(path: string): boolean {
  try {
    return Deno.statSync(path).isSocket === true;
  } catch {
    return false;
  }
}

function readKeyFile(path: string): string | null | Error {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    return err instanceof Deno.errors.NotFound ? null : err as Error;
  }
}

/** Public blobs of the identity files (from `<file>.pub`, else an unencrypted private key). */
function identityBlobs(files: readonly string[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of files) {
    for (const candidate of [`${f}.pub`, f]) {
      const text = readKeyFile(candidate);
      if (typeof text !== "string") continue;
      const k = parseSsh2Key(text);
      if (k instanceof Error) continue;
      out.push(new Uint8Array(k.getPublicSSH()));
      break;
    }
  }
  return out;
}

/** Prepares the authentication steps for `target` (reads key files and credential variables). */
export function buildAuthPlan(target: ResolvedTarget, options: AuthPlanOptions = {}): AuthPlan {
  const getEnv = options.getEnv ?? ((n: string) => Deno.env.get(n));
  const home = options.home;
  const user = target.user;
  const steps: Step[] = [];
  const problems: string[] = [];
  const explicitKeys = target.sources.identityFiles !== "default";

  // 1. Agent.
  const sock = target.identityAgent;
  if (sock && isSocket(sock)) {
    let agent: Ssh2Agent | undefined;
    if (target.identitiesOnly) {
      const blobs = identityBlobs(target.identityFiles);
      if (blobs.length > 0) agent = openSshAgent(sock, blobs);
    } else agent = openSshAgent(sock);
    if (agent) {
      const a = agent;
      steps.push({
        label: `agent ${short(sock, home)}`,
        method: "publickey",
        make: () => ({ type: "agent", username: user, agent: a }),
      });
    }
  } else if (sock && target.sources.identityAgent !== "default") {
    problems.push(`agent socket ${short(sock, home)} does not exist`);
  }

  // 2. Identity files.
  for (const file of target.identityFiles) {
    const name = short(file, home);
    const text = readKeyFile(file);
    if (text === null) {
      if (explicitKeys) problems.push(`key ${name}: no such file`);
      continue;
    }
    if (text instanceof Error) {
      problems.push(`key ${name}: cannot read (${text.message})`);
      continue;
    }
    let key = parseSsh2Key(text);
    if (key instanceof Error && /encrypt|passphrase/i.test(key.message)) {
      const v = target.passphraseEnv;
      if (!v) {
        problems.push(
          `key ${name} is encrypted: set passphrase_env for this host in the inventory to the NAME of a variable holding its passphrase`,
        );
        continue;
      }
      const pass = getEnv(v);
      if (!pass) {
        problems.push(`key ${name} is encrypted and variable ${v} (passphrase_env) is not set`);
        continue;
      }
      options.onSecret?.(pass);
      key = parseSsh2Key(text, pass);
      if (key instanceof Error) {
        problems.push(`key ${name}: cannot decrypt it with the passphrase in ${v}`);
        continue;
      }
    }
    if (key instanceof Error) {
      problems.push(`key ${name}: not a usable private key (${key.message})`);
      continue;
    }
    if (!key.isPrivateKey()) {
      problems.push(`key ${name}: holds a public key, not a private key`);
      continue;
    }
    const signed = key.sign(PROBE);
    if (signed instanceof Error) {
      problems.push(
        `key ${name} (${key.type}) cannot sign here (${signed.message}); use an ed25519 or RSA key, or load it into the agent`,
      );
      continue;
    }
    const k: Ssh2ParsedKey = key;
    steps.push({
      label: `key ${name}`,
      method: "publickey",
      make: () => ({ type: "publickey", username: user, key: k }),
    });
  }

  // 3. Keyboard-interactive, then password.
  if (target.passwordEnv) {
    const v = target.passwordEnv;
    const password = getEnv(v);
    if (!password) problems.push(`variable ${v} (password_env) is not set`);
    else {
      options.onSecret?.(password);
      let rounds = 0;
      steps.push({
        label: `keyboard-interactive with ${v}`,
        method: "keyboard-interactive",
        make: () => ({
          type: "keyboard-interactive",
          username: user,
          prompt: (_name, _instructions, _lang, prompts, finish) => {
            rounds++;
            finish(rounds > 2 ? [] : prompts.map((p) => (p.echo ? "" : password)));
          },
        }),
      });
      steps.push({
        label: `password from ${v}`,
        method: "password",
        make: () => ({ type: "password", username: user, password }),
      });
    }
  }

  const tried: string[] = [];
  let next = 0;
  const handler: AuthPlan["handler"] = (methodsLeft, _partial, done) => {
    if (tried.length > 0) tried[tried.length - 1] += ": refused";
    while (next < steps.length) {
      const step = steps[next++];
      if (methodsLeft && !methodsLeft.includes(step.method)) {
        tried.push(`${step.label}: skipped (server offers ${methodsLeft.join(", ")})`);
        continue;
      }
      tried.push(step.label);
      return done(step.make());
    }
    done(false);
  };
  return {
    handler,
    problems,
    attempts: () => [
      ...tried.map((t) => (t.includes(": ") ? t : `${t}: refused`)),
      ...problems,
    ],
  };
}
