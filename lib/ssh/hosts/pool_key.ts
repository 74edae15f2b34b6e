/**
 * The connection-pool key: everything that decides who we are, where we connect and what we
 * trust. Two targets share a connection only when all of it is equal (the Python original keyed
 * on user@host:port alone, so an `ignore` connection could serve a later `strict` call).
 */
import { sha256Hex } from "../../util/mod.ts";
import type { ResolvedTarget } from "./target.ts";

function identity(t: ResolvedTarget): unknown {
  return {
    user: t.user,
    hostname: t.hostname,
    port: t.port,
    identityFiles: t.identityFiles,
    identitiesOnly: t.identitiesOnly,
    identityAgent: t.identityAgent,
    forwardAgent: t.forwardAgent,
    passwordEnv: t.passwordEnv,
    passphraseEnv: t.passphraseEnv,
    proxyCommand: t.proxyCommand,
    knownHostsMode: t.knownHostsMode,
    userKnownHostsFiles: t.userKnownHostsFiles,
    globalKnownHostsFiles: t.globalKnownHostsFiles,
    hostKeyAlias: t.hostKeyAlias,
    jump: t.jump ? identity(t.jump) : null,
  };
}

/** `user@host:port#<16 hex>`: readable, and equal only for identical identity and trust inputs. */
export function poolKey(target: ResolvedTarget): string {
  const host = target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname;
  const digest = sha256Hex(JSON.stringify(identity(target))).slice(0, 16);
  return `${target.user}@${host}:${target.port}#${digest}`;
}
