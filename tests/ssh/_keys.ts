/** Test keys: fresh public-key blobs from ssh2's generator, and helpers around them. */
import { encodeBase64, parsePublicKey } from "../../lib/ssh/mod.ts";
import { generateKeyPair } from "../helpers/fake_ssh_server.ts";

/** A public key: type, blob, base64 and the `type base64` text. */
export interface TestKey {
  type: string;
  blob: Uint8Array;
  b64: string;
  line: string;
}

/** A new public key of `kind`. */
export function newKey(kind: "ed25519" | "rsa" | "ecdsa" = "ed25519"): TestKey {
  const pub = parsePublicKey(generateKeyPair(kind).public);
  const b64 = encodeBase64(pub.blob);
  return { type: pub.keyType, blob: pub.blob, b64, line: `${pub.keyType} ${b64}` };
}

/** Runs a program and returns its stdout (throws on a non-zero exit). */
export async function runText(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (out.code !== 0) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}
