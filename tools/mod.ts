/**
 * @module
 * Every tool group, assembled and filtered by `RELAY_SHELL_TOOLSETS`. One file per group; each
 * builds its definitions from the shared {@linkcode ToolDeps}.
 */
import type { ToolDefinition } from "../lib/runner/mod.ts";
import { adminTools, confirmTool } from "./admin.ts";
import type { ToolDeps } from "./deps.ts";
import { fileTools } from "./files.ts";
import { localTools } from "./local.ts";
import { secretsTools } from "./secrets.ts";
import { sessionTools } from "./sessions.ts";
import { sshTools } from "./ssh.ts";
import { forwardTools } from "./ssh_forward.ts";
import { sshTransferTools } from "./ssh_transfer.ts";

export type { ServerFacts, ToolDeps } from "./deps.ts";
export { execOutputSchema, execToolResult } from "./local.ts";

/** All tools of the enabled groups, in a stable order; operation_confirm whenever confirmation is on. */
export function buildTools(deps: ToolDeps): ToolDefinition[] {
  const on = new Set<string>(deps.config.toolsets);
  const sessions = deps.sessions ? sessionTools({ ...deps, sessions: deps.sessions }) : [];
  const ssh = deps.resolver && deps.sshPool
    ? sshTools({ ...deps, resolver: deps.resolver, pool: deps.sshPool })
    : [];
  const transfers = deps.resolver && deps.sshPool
    ? sshTransferTools({ ...deps, resolver: deps.resolver, pool: deps.sshPool })
    : [];
  const secrets = deps.secrets ? secretsTools({ ...deps, secrets: deps.secrets }) : [];
  const forwards = deps.resolver && deps.forwards
    ? forwardTools({ ...deps, resolver: deps.resolver, forwards: deps.forwards })
    : [];
  const tools = [
    ...localTools(deps),
    ...sessions,
    ...ssh,
    ...transfers,
    ...fileTools(deps),
    ...forwards,
    ...secrets,
    ...adminTools(deps),
  ].filter(
    (t) => on.has(t.toolset),
  );
  if (deps.broker) tools.push(confirmTool(deps));
  return tools;
}
