/** The ssh tool definitions through the real runner: validation, tiers, audit and confirmation binding. */
import assert from "node:assert/strict";
import { AuditLog } from "../../lib/audit/mod.ts";
import { loadConfig } from "../../lib/config/mod.ts";
import { ProcessGroups } from "../../lib/exec/mod.ts";
import { silentLogger } from "../../lib/log/mod.ts";
import { CommandClassifier, ConfirmationBroker, Policy } from "../../lib/policy/mod.ts";
import { Redactor } from "../../lib/redact/mod.ts";
import { type CallResult, Runner } from "../../lib/runner/mod.ts";
import { buildTools, type ToolDeps } from "../../tools/mod.ts";
import { sshTestEnv } from "../ssh/_env.ts";
import { readAudit } from "../helpers/server.ts";

const text = (r: CallResult) => r.content.map((c) => c.text).join("");

async function harness(options: { mode?: "open" | "readonly"; confirm?: boolean } = {}) {
  const env = await sshTestEnv({
    inventory: {
      web: { hostname: "127.0.0.1", port: 1, user: "deploy", groups: ["prod"] },
      db: { hostname: "10.9.8.7", user: "pg", jump: "web" },
    },
  });
  const config = loadConfig({ env: { HOME: env.home, RELAY_SHELL_STATE_DIR: env.home } });
  const redactor = new Redactor();
  const audit = await AuditLog.open({ path: `${env.home}/audit.jsonl`, logger: silentLogger });
  const broker = options.confirm ? new ConfirmationBroker({ ttlMs: 60_000 }) : null;
  const deps = {
    config,
    groups: new ProcessGroups(),
    audit,
    broker,
    redactor,
    logger: silentLogger,
    facts: { version: "t", transport: "stdio", protocolVersions: [], permissions: {} },
    resolver: env.resolver,
    sshPool: env.pool,
  } as unknown as ToolDeps;
  const runner = new Runner({
    tools: buildTools(deps),
    policy: new Policy({
      mode: options.mode ?? "open",
      classifier: await CommandClassifier.create(),
    }),
    redactor,
    audit,
    confirm: broker,
    confirmTtlSeconds: 60,
    maxResultBytes: 1 << 20,
    logger: silentLogger,
  });
  const call = (name: string, args: Record<string, unknown>) =>
    runner.call(name, args, { requestId: "1", clientId: "test" });
  return {
    env,
    runner,
    broker,
    call,
    auditPath: `${env.home}/audit.jsonl`,
    async [Symbol.asyncDispose]() {
      await audit.close();
      await env.dispose();
    },
  };
}

Deno.test("ssh tools validate arguments and name them: hosts cap, key_types, env, known_hosts, groups", async () => {
  await using h = await harness();
  const many = Array.from({ length: 101 }, (_, i) => `h${i}.example`).join(" ");
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["ssh_fanout", { command: "true", hosts: many }, /hosts: more than 100 hosts/],
    ["ssh_keyscan", { hosts: "web", key_types: "ed25519,dsa" }, /key_types: unknown dsa/],
    ["ssh_exec", { host: "web", command: "true", env: { A: 1 } }, /env: A must be a string/],
    [
      "ssh_exec",
      { host: "web", command: "true", known_hosts: "maybe" },
      /known_hosts: must be one of/,
    ],
    ["ssh_fanout", { command: "true", hosts: "@nope" }, /hosts: unknown group @nope/],
    ["ssh_exec", { host: "-oProxyCommand=x", command: "true" }, /host: .*'-'/],
    ["ssh_exec", { host: "web", command: "  " }, /command: is empty/],
    ["ssh_exec", { host: "web", command: "true", bogus: 1 }, /unknown argument bogus/],
    ["ssh_check", { hosts: ["web", "-oProxyCommand=x"] }, /hosts: /],
  ];
  for (const [tool, args, re] of cases) {
    const r = await h.call(tool, args);
    assert.equal(r.isError, true, `${tool} ${JSON.stringify(args)}`);
    assert.match(text(r), re);
  }
});

Deno.test("ssh tools: tiers from the command, read-only probes, audit of effective connections", async () => {
  await using h = await harness({ mode: "readonly" });
  const denied = await h.call("ssh_fanout", { command: "rm -rf /srv/x", hosts: "@prod" });
  assert.match(text(denied), /^\[DENIED tier 3/);
  assert.match(text(await h.call("ssh_keyscan", { hosts: "web" })), /^\[DENIED tier 1/);
  const check = await h.call("ssh_check", { hosts: "db", timeout: 2 });
  assert.equal(check.isError, undefined, text(check));
  const row = (check.structuredContent?.results as Record<string, unknown>[])[0];
  assert.equal(row.ok, false);
  assert.match(
    row.error as string,
    /Cannot reach pg@10\.9\.8\.7:22 through deploy@127\.0\.0\.1:1|connection refused/,
  );
  const audit = await readAudit(h.auditPath);
  const fan = audit.find((a) => a.tool === "ssh_fanout")!;
  assert.equal(fan.tier, 3);
  const hosts = (fan.args as { hosts: Record<string, unknown>[] }).hosts;
  assert.deepEqual(hosts.map((x) => [x.host, x.user, x.hostname, x.port]), [[
    "web",
    "deploy",
    "127.0.0.1",
    1,
  ]]);
  const chk = audit.find((a) => a.tool === "ssh_check")!;
  assert.equal(chk.tier, 0);
  assert.equal((chk.args as { hosts: Record<string, unknown>[] }).hosts[0].jump, "web");
});

Deno.test("a Tier-3 confirmation binds to the effective connection, not only the arguments", async () => {
  await using h = await harness({ confirm: true });
  const args = { host: "web", command: "mkfs.ext4 /dev/sdz" };
  const first = await h.call("ssh_exec", args);
  const token = /token="([^"]+)"/.exec(text(first))?.[1];
  assert.ok(token, text(first));
  assert.equal(h.broker!.arm(token, "test"), "armed");
  // The inventory now points the same alias elsewhere: the armed token does not apply.
  await h.env.writeInventory({ web: { hostname: "127.0.0.1", port: 2, user: "deploy" } });
  const moved = await h.call("ssh_exec", args);
  assert.match(text(moved), /^\[CONFIRM REQUIRED/);
  // Back to the confirmed connection: the token is consumed and the call runs (and fails to
  // connect: nothing listens on port 1).
  await h.env.writeInventory({
    web: { hostname: "127.0.0.1", port: 1, user: "deploy", groups: ["prod"] },
  });
  const ran = await h.call("ssh_exec", args);
  assert.match(text(ran), /connection refused/);
});
