/**
 * The bridge between {@linkcode verifyHostKey} and ssh2's `hostVerifier` option. ssh2 hands the
 * raw key blob to `hostVerifier(key, verify)` during every key exchange and waits for `verify`;
 * this class runs the check asynchronously, keeps the presented key and fingerprint for
 * reporting (ssh_check), and keeps the refusal so the caller can surface it instead of ssh2's
 * generic "Host denied (verification failed)". A rekey must present the same key.
 */
import { fingerprintSha256, publicKeyType, sameBytes } from "./fingerprint.ts";
import { HostKeyMismatchError } from "./host_key_errors.ts";
import { hostKeyName, type ResolvedTarget } from "./hosts/target.ts";
import {
  defaultKnownHostsStore,
  type KnownHostsStore,
  knownKeyTypes,
  preferredHostKeyAlgorithms,
} from "./known_hosts.ts";
import type { HostKeyVerification, VerifyHostKeyOptions } from "./verify_host_key.ts";
import { verifyHostKey } from "./verify_host_key.ts";

/** Options for {@linkcode HostKeyVerifier}: everything {@linkcode verifyHostKey} takes but the key. */
export type HostKeyVerifierOptions = Omit<VerifyHostKeyOptions, "key">;

/** The key a server presented. */
export interface PresentedHostKey {
  /** Key type inside the blob. */
  readonly keyType: string;
  /** `SHA256:…`. */
  readonly fingerprint: string;
  /** The raw blob (a copy). */
  readonly key: Uint8Array;
}

/** ssh2's asynchronous host verifier signature. */
export type Ssh2HostVerifier = (key: Uint8Array, verify: (valid: boolean) => void) => void;

/** Host-key checking for one ssh2 connection; pass {@linkcode HostKeyVerifier.hostVerifier}. */
export class HostKeyVerifier {
  #options: HostKeyVerifierOptions;
  #presented: PresentedHostKey | undefined;
  #result: HostKeyVerification | undefined;
  #error: Error | undefined;
  #pending: Promise<void> = Promise.resolve();

  /** Prepares a verifier; nothing is read until ssh2 calls it. */
  constructor(options: HostKeyVerifierOptions) {
    this.#options = options;
  }

  /** Pass as ssh2's `hostVerifier` connect option. */
  readonly hostVerifier: Ssh2HostVerifier = (key, verify) => {
    const blob = new Uint8Array(key);
    const keyType = publicKeyType(blob) ?? "unknown";
    const fingerprint = fingerprintSha256(blob);
    const earlier = this.#result && this.#presented;
    if (earlier) {
      // A rekey: the server must keep the key it was accepted with.
      if (sameBytes(earlier.key, blob)) return verify(true);
      this.#error = new HostKeyMismatchError({
        host: this.#options.host,
        port: this.#options.port ?? 22,
        keyType,
        fingerprint,
        home: this.#options.home,
        reason: earlier.keyType === keyType ? "changed" : "other-key-types",
        expected: [{
          file: "accepted earlier on this connection",
          line: 0,
          keyType: earlier.keyType,
          fingerprint: earlier.fingerprint,
        }],
      });
      return verify(false);
    }
    this.#presented = { keyType, fingerprint, key: blob };
    this.#pending = verifyHostKey({ ...this.#options, key: blob }).then(
      (result) => {
        this.#result = result;
        this.#error = undefined;
        verify(true);
      },
      (err: unknown) => {
        this.#error = err instanceof Error ? err : new Error(String(err));
        verify(false);
      },
    );
  };

  /** The key the server presented (also after a refusal), or undefined before the handshake. */
  get presented(): PresentedHostKey | undefined {
    return this.#presented;
  }

  /** The accepted verification, or undefined. */
  get result(): HostKeyVerification | undefined {
    return this.#result;
  }

  /** Why the key was refused (a HostKeyError, or an I/O error), or undefined. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Resolves once the latest check has finished (never rejects). */
  settled(): Promise<void> {
    return this.#pending;
  }
}

/** Options for {@linkcode hostKeyVerifierFor}. */
export interface TargetVerifierOptions {
  /** Home directory for `~/…` in messages. */
  home?: string;
  /** Parse cache. */
  store?: KnownHostsStore;
}

/** The verifier options a resolved target implies (HostKeyAlias or HostName, its mode and files). */
export function hostKeyVerifierOptions(
  target: ResolvedTarget,
  options: TargetVerifierOptions = {},
): HostKeyVerifierOptions {
  return {
    host: hostKeyName(target),
    port: target.port,
    mode: target.knownHostsMode,
    userFiles: target.userKnownHostsFiles,
    globalFiles: target.globalKnownHostsFiles,
    hashKnownHosts: target.hashKnownHosts,
    home: options.home,
    store: options.store,
  };
}

/** A {@linkcode HostKeyVerifier} for one connection to `target`. */
export function hostKeyVerifierFor(
  target: ResolvedTarget,
  options: TargetVerifierOptions = {},
): HostKeyVerifier {
  return new HostKeyVerifier(hostKeyVerifierOptions(target, options));
}

/**
 * ssh2 `algorithms.serverHostKey` for `target`: the key types its known_hosts files hold for it
 * first, so a known host presents a key that can be checked.
 */
export async function hostKeyAlgorithmsFor(
  target: ResolvedTarget,
  options: { store?: KnownHostsStore } = {},
): Promise<string[]> {
  if (target.knownHostsMode === "ignore") return preferredHostKeyAlgorithms([]);
  const types = await knownKeyTypes({
    host: hostKeyName(target),
    port: target.port,
    files: [...target.userKnownHostsFiles, ...target.globalKnownHostsFiles],
    store: options.store ?? defaultKnownHostsStore,
  });
  return preferredHostKeyAlgorithms(types);
}
