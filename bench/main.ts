/**
 * `deno task bench`: every benchmark prints its subject and a baseline measured in the same run,
 * with the ratio and the difference. Targets are reported, never asserted in unit tests.
 * Pass section names to run only some: `deno task bench exec`.
 */
import { report } from "./_stats.ts";
import * as exec from "./exec_roundtrip.ts";
import * as pty from "./pty.ts";
import * as sftp from "./sftp.ts";
import * as ssh from "./ssh.ts";

const sections: Record<string, () => Promise<import("./_stats.ts").Comparison[]>> = {
  exec: () => exec.run(),
  pty: () => pty.run(),
  ssh: () => ssh.run(),
  sftp: () => sftp.run(),
};

const chosen = Deno.args.length ? Deno.args : Object.keys(sections);
for (const name of chosen) {
  const section = sections[name];
  if (!section) {
    // deno-lint-ignore no-console
    console.error(`unknown bench section ${name}; known: ${Object.keys(sections).join(", ")}`);
    Deno.exit(2);
  }
  for (const c of await section()) report(c);
}
