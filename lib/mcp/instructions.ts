/** The `instructions` text sent at initialize: which tool to use when, in a few lines. */
import type { Toolset } from "../config/mod.ts";

const LINES: readonly [Toolset | "always", string][] = [
  [
    "local",
    "shell_exec: one non-interactive command on this host (still running after `wait` s, or with background: true, it becomes a job: follow it with session_recv, never poll it with new calls); shell_script: a multi-line script.",
  ],
  [
    "sessions",
    "shell_spawn (local) / ssh_spawn (remote) open a PTY for REPLs, TUIs, prompts and long jobs; drive it with session_send, read with session_recv (cursor, until, idle_ms), run shell commands inside it with session_exec.",
  ],
  [
    "ssh",
    "ssh_exec runs on one host; ssh_fanout on many; ssh_check probes reachability; ssh_hosts lists the inventory.",
  ],
  [
    "files",
    "file tools read, write, list and change files locally or on a host; ssh_upload/ssh_download move files.",
  ],
  ["forwards", "ssh_forward opens L/R/D tunnels; ssh_forward_list/close manage them."],
  [
    "secrets",
    "secrets_load registers values from a .env file: they reach commands as environment variables and are redacted from every output. A SUDO_PASSWORD secret answers sudo for sudo: true.",
  ],
  [
    "always",
    "Results carry exit_code, timed_out and truncated; output is head+tail bounded and hashed in full. A [DENIED] result is policy: do not retry it reworded. A [CONFIRM REQUIRED] result needs operation_confirm(token) and the identical call again. Every call is audited.",
  ],
];

/** Builds the instructions for the enabled tool groups. */
export function buildInstructions(toolsets: readonly Toolset[]): string {
  const on = new Set<string>(toolsets);
  return [
    "relay-shell runs commands on this host and over SSH, under policy and audit.",
    ...LINES.filter(([g]) => g === "always" || on.has(g)).map(([, l]) => l),
  ].join("\n");
}
