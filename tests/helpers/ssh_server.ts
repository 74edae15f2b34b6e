/**
 * The real stdio server pointed at test sshd harnesses: an inventory and an ssh_config (agent off,
 * known_hosts holding the trusted harnesses' keys) in a temp dir, removed again by `close`.
 */
import { stringify } from "yaml";
import { startStdio, type StdioServer } from "./server.ts";
import type { SshdHarness } from "./sshd.ts";

/** A running server and its config dir. */
export interface SshStdioServer {
  /** The server with its MCP client. */
  s: StdioServer;
  /** The temp dir holding inventory.yaml, ssh_config and known_hosts. */
  dir: string;
  /** Stops the server and removes the dir. */
  close(): Promise<void>;
}

/** An inventory entry for `h`'s ed25519 test user. */
export function edEntry(h: SshdHarness, extra: Record<string, unknown> = {}) {
  return {
    hostname: h.host,
    port: h.port,
    user: h.users.ed.user,
    identity_file: h.users.ed.path,
    ...extra,
  };
}

/** Paths written by {@linkcode writeSshClientFiles}. */
export interface SshClientFiles {
  /** ssh_config: every host checked against `known_hosts`, no agent. */
  sshConfig: string;
  /** inventory.yaml. */
  inventory: string;
  /** known_hosts with the trusted harnesses' keys. */
  knownHosts: string;
}

/** Writes known_hosts (the keys of `trust`), ssh_config and inventory.yaml into `dir`. */
export async function writeSshClientFiles(
  dir: string,
  inventory: Record<string, unknown>,
  trust: readonly SshdHarness[],
): Promise<SshClientFiles> {
  const knownHosts = `${dir}/known_hosts`;
  const texts = await Promise.all(trust.map((h) => Deno.readTextFile(h.knownHostsPath)));
  await Deno.writeTextFile(knownHosts, texts.join(""));
  const sshConfig = `${dir}/ssh_config`;
  await Deno.writeTextFile(
    sshConfig,
    `Host *\n  UserKnownHostsFile ${knownHosts}\n  IdentityAgent none\n`,
  );
  await Deno.writeTextFile(`${dir}/inventory.yaml`, stringify(inventory));
  return { sshConfig, inventory: `${dir}/inventory.yaml`, knownHosts };
}

/** Starts the server on `inventory`, trusting the host keys of `trust`, with extra `env`. */
export async function startSshStdio(
  inventory: Record<string, unknown>,
  trust: readonly SshdHarness[],
  env: Record<string, string> = {},
): Promise<SshStdioServer> {
  const dir = await Deno.makeTempDir({ prefix: "rstest-ssh-server-" });
  const files = await writeSshClientFiles(dir, inventory, trust);
  const s = await startStdio("v2", {
    RELAY_SHELL_SSH_CONFIG: files.sshConfig,
    RELAY_SHELL_INVENTORY: files.inventory,
    ...env,
  });
  return {
    s,
    dir,
    close: async () => {
      await s.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
