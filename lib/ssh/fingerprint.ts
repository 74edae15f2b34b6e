/**
 * SSH public-key blobs: their key type and their SHA-256 fingerprint, spelled exactly as
 * `ssh-keygen -lf` prints it (`SHA256:` + unpadded base64).
 */
import { createHash } from "node:crypto";

/** `SHA256:<base64 without padding>` of a raw public-key blob, as `ssh-keygen -lf` prints it. */
export function fingerprintSha256(blob: Uint8Array): string {
  const digest = createHash("sha256").update(blob).digest("base64");
  return `SHA256:${digest.replace(/=+$/, "")}`;
}

/** The key type named inside a public-key blob (`ssh-ed25519`, `ssh-rsa`, …), or undefined. */
export function publicKeyType(blob: Uint8Array): string | undefined {
  if (blob.length < 4) return undefined;
  const len = ((blob[0] << 24) >>> 0) + (blob[1] << 16) + (blob[2] << 8) + blob[3];
  if (len === 0 || len > 64 || 4 + len > blob.length) return undefined;
  const name = new TextDecoder().decode(blob.subarray(4, 4 + len));
  return /^[\x21-\x7e]+$/.test(name) ? name : undefined;
}

/** Strict standard base64 to bytes; undefined when the text is not base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    return undefined;
  }
  try {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/** Standard base64 (with padding) of bytes. */
export function encodeBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/** True when two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A public key in the `type base64 [comment]` form of a `.pub` file or known_hosts line. */
export interface PublicKeyText {
  /** The key type word, equal to the type inside the blob. */
  readonly keyType: string;
  /** The raw blob. */
  readonly blob: Uint8Array;
  /** The comment after the key, or "". */
  readonly comment: string;
}

/** Parses `type base64 [comment]`; throws TypeError naming `key` when it is not a public key. */
export function parsePublicKey(text: string): PublicKeyText {
  const m = /^\s*(\S+)\s+(\S+)(?:\s+(.*?))?\s*$/.exec(text);
  const blob = m ? decodeBase64(m[2]) : undefined;
  if (!m || !blob) throw new TypeError("key: expected '<type> <base64> [comment]'");
  const inner = publicKeyType(blob);
  if (inner !== m[1]) {
    throw new TypeError(`key: type ${m[1]} does not match the key blob (${inner ?? "unreadable"})`);
  }
  return { keyType: m[1], blob, comment: m[3] ?? "" };
}
