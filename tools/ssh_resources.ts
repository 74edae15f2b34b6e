/**
 * The SSH resources: `relay-shell://inventory` (every host with its effective fields),
 * `relay-shell://inventory/{host}` (one resolved host with the source of every field; an unknown
 * host is a not-found error) and `relay-shell://ssh-config` (the file and its aliases). Reads are
 * tier 0 and each writes an audit record (`resource:inventory`, …). Only variable NAMES of
 * credentials ever appear.
 */
import {
  type McpServer,
  ResourceNotFoundError,
  ResourceTemplate,
} from "@modelcontextprotocol/server";
import type { SurfaceRegistrar } from "../lib/mcp/mod.ts";
import type { AuditSink, RedactionEngine } from "../lib/runner/mod.ts";
import type { HostResolver } from "../lib/ssh/mod.ts";
import { sha256Hex, utf8Length } from "../lib/util/mod.ts";
import { hostView, inventoryView, listResolvedHosts } from "./_ssh_hosts.ts";

/** What {@linkcode sshResources} needs. */
export interface SshResourceDeps {
  /** Host resolution. */
  resolver: HostResolver;
  /** Where each read is recorded. */
  audit: AuditSink;
  /** Redacts registered secret values from the content. */
  redactor: RedactionEngine;
  /** The ssh_config path in use ("" = none). */
  sshConfigPath: string;
}

const JSON_TYPE = "application/json";

/** Registers the SSH resources on each server instance. */
export function sshResources(deps: SshResourceDeps): SurfaceRegistrar {
  const { resolver } = deps;

  const read = async (name: string, uri: URL, build: () => unknown) => {
    const started = performance.now();
    let text = "";
    let error: string | undefined;
    try {
      text = deps.redactor.redactLiterals(JSON.stringify(build(), null, 2));
      return { contents: [{ uri: uri.href, mimeType: JSON_TYPE, text }] };
    } catch (err) {
      error = err instanceof ResourceNotFoundError ? "not_found" : (err as Error)?.name ?? "Error";
      throw err;
    } finally {
      await deps.audit.append({
        tool: `resource:${name}`,
        tier: 0,
        denied: false,
        args: { uri: uri.href },
        output_sha256: text ? sha256Hex(text) : null,
        output_len: utf8Length(text),
        exit_code: null,
        duration_ms: Math.round(performance.now() - started),
        error,
      });
    }
  };

  return (server: McpServer) => {
    server.registerResource(
      "inventory",
      "relay-shell://inventory",
      { title: "SSH inventory", description: "Every host, resolved", mimeType: JSON_TYPE },
      (uri) =>
        read(
          "inventory",
          uri,
          () => ({ hosts: listResolvedHosts(resolver), inventory: inventoryView(resolver) }),
        ),
    );
    server.registerResource(
      "inventory-host",
      new ResourceTemplate("relay-shell://inventory/{host}", {
        list: () => ({
          resources: resolver.listHosts().map((h) => ({
            uri: `relay-shell://inventory/${encodeURIComponent(h.alias)}`,
            name: h.alias,
            mimeType: JSON_TYPE,
          })),
        }),
      }),
      {
        title: "SSH host",
        description: "One host with the source of every field",
        mimeType: JSON_TYPE,
      },
      (uri, vars) =>
        read("inventory-host", uri, () => {
          const raw = vars.host;
          const alias = decodeURIComponent(Array.isArray(raw) ? raw[0] ?? "" : raw ?? "");
          const known = resolver.listHosts().find((h) => h.alias === alias);
          if (!known) {
            throw new ResourceNotFoundError(
              uri.href,
              `Unknown host ${
                JSON.stringify(alias)
              }: not in the inventory or ssh_config (see relay-shell://inventory)`,
            );
          }
          return hostView(resolver.resolveTarget(alias), known.definedIn);
        }),
    );
    server.registerResource(
      "ssh-config",
      "relay-shell://ssh-config",
      {
        title: "ssh_config",
        description: "The ssh_config file and its host aliases",
        mimeType: JSON_TYPE,
      },
      (uri) =>
        read("ssh-config", uri, () => {
          let exists = false;
          try {
            exists = deps.sshConfigPath !== "" && Deno.statSync(deps.sshConfigPath).isFile;
          } catch { /* missing */ }
          return {
            path: deps.sshConfigPath,
            exists,
            aliases: resolver.listHosts().filter((h) => h.definedIn.includes("ssh_config"))
              .map((h) => h.alias),
          };
        }),
    );
  };
}
