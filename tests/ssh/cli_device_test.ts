/** cliExec() / execOnTarget() against prompt-driven device CLIs on the fake server. */
import assert from "node:assert/strict";
import { CLI_NO_EXIT_CODE, execOnTarget } from "../../lib/ssh/mod.ts";
import { deviceCli } from "../helpers/device_cli.ts";
import { FakeSshServer } from "../helpers/fake_ssh_server.ts";
import { sshTestEnv } from "./_env.ts";

const VERSION = Array.from({ length: 11 }, (_, i) => `line ${i + 1} of show version`).join("\n");

async function device(shell: ReturnType<typeof deviceCli>) {
  const fake = await FakeSshServer.start({ users: { admin: { password: "pw" } }, shell });
  return fake;
}

function entry(fake: FakeSshServer, extra: Record<string, unknown>) {
  return {
    hostname: fake.host,
    port: fake.port,
    user: "admin",
    password_env: "DEV_PW",
    known_hosts: "ignore",
    shell: "cli",
    ...extra,
  };
}

Deno.test("execOnTarget() on a Cisco CLI turns paging off, strips echo and prompt, reports no exit code", async () => {
  await using fake = await device(deviceCli({
    prompt: "switch01#",
    banner: "Welcome\n",
    commands: { "show version": VERSION },
  }));
  await using env = await sshTestEnv({
    inventory: { sw: entry(fake, { vendor: "cisco" }) },
    vars: { DEV_PW: "pw" },
  });
  const r = await execOnTarget(env.resolver.resolveTarget("sw"), {
    pool: env.pool,
    command: "show version",
    timeoutMs: 10_000,
    maxOutput: 65536,
  });
  assert.equal(r.exitCode, null);
  assert.equal(r.timedOut, false);
  assert.equal(r.stdout.text, `${VERSION}\n`);
  assert.ok(r.notes.includes(CLI_NO_EXIT_CODE));
  assert.ok(!r.stdout.text.includes("More"));
});

Deno.test("execOnTarget() answers --More-- with a space when no no-paging preset applies (generic)", async () => {
  await using fake = await device(deviceCli({
    prompt: "router> ",
    commands: { "show log": VERSION },
    noPaging: [],
  }));
  await using env = await sshTestEnv({
    inventory: { r: entry(fake, { vendor: "generic" }) },
    vars: { DEV_PW: "pw" },
  });
  const r = await execOnTarget(env.resolver.resolveTarget("r"), {
    pool: env.pool,
    command: "show log",
    timeoutMs: 10_000,
    maxOutput: 65536,
  });
  assert.equal(r.stdout.text, `${VERSION}\n`);
  assert.ok(r.notes.some((n) => /answered 2 pager prompt/.test(n)), r.notes.join("; "));
});

Deno.test("execOnTarget() on Juniper appends | no-more; on MikroTik it waits for [user@host] >", async () => {
  await using junos = await device(deviceCli({
    prompt: "admin@mx1> ",
    commands: { "show interfaces terse | no-more": "ge-0/0/0 up up\nge-0/0/1 up down" },
  }));
  await using mikrotik = await device(deviceCli({
    prompt: "[admin@MikroTik] > ",
    commands: { "/ip address print": "0 10.0.0.1/24 ether1" },
  }));
  await using env = await sshTestEnv({
    inventory: {
      mx: entry(junos, { vendor: "juniper" }),
      mt: entry(mikrotik, { vendor: "mikrotik" }),
    },
    vars: { DEV_PW: "pw" },
  });
  const j = await execOnTarget(env.resolver.resolveTarget("mx"), {
    pool: env.pool,
    command: "show interfaces terse",
    timeoutMs: 10_000,
    maxOutput: 65536,
  });
  assert.equal(j.stdout.text, "ge-0/0/0 up up\nge-0/0/1 up down\n");
  const m = await execOnTarget(env.resolver.resolveTarget("mt"), {
    pool: env.pool,
    command: "/ip address print",
    timeoutMs: 10_000,
    maxOutput: 65536,
  });
  assert.equal(m.stdout.text, "0 10.0.0.1/24 ether1\n");
});

Deno.test("execOnTarget() on a CLI device: a custom prompt_regex, a timeout keeps what arrived, cwd refused", async () => {
  await using fake = await device(
    deviceCli({ prompt: "fw-7 (config)$ ", commands: { "show": "ok" } }),
  );
  await using env = await sshTestEnv({
    inventory: {
      fw: entry(fake, { prompt_regex: String.raw`fw-\d+ \(config\)\$ $` }),
      wrong: entry(fake, { prompt_regex: "NEVER>$" }),
    },
    vars: { DEV_PW: "pw" },
  });
  const r = await execOnTarget(env.resolver.resolveTarget("fw"), {
    pool: env.pool,
    command: "show",
    timeoutMs: 10_000,
    maxOutput: 1024,
  });
  assert.equal(r.stdout.text, "ok\n");
  const t = await execOnTarget(env.resolver.resolveTarget("wrong"), {
    pool: env.pool,
    command: "show",
    timeoutMs: 800,
    maxOutput: 1024,
  });
  assert.equal(t.timedOut, true);
  assert.ok(t.notes.some((n) => /waiting for the prompt/.test(n)));
  assert.match(t.stdout.text, /fw-7 \(config\)\$/);
  await assert.rejects(
    execOnTarget(env.resolver.resolveTarget("fw"), {
      pool: env.pool,
      command: "show",
      cwd: "/tmp",
      timeoutMs: 1000,
      maxOutput: 1024,
    }),
    /cwd: fw is a CLI device/,
  );
});
