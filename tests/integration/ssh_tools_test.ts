/**
 * The ssh tools and resources through the real stdio server, against a real sshd: inventory and
 * known_hosts live in the test's temp dir (RELAY_SHELL_SSH_CONFIG points at a file there; the
 * real ~/.ssh is never read).
 */
import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import { integrationTest, readAudit, startStdio, textOf } from "../helpers/server.ts";
import { startSshd } from "../helpers/sshd.ts";
import { deviceCli } from "../helpers/device_cli.ts";
import { edEntry, startSshStdio } from "../helpers/ssh_server.ts";
import { FakeSshServer } from "../helpers/fake_ssh_server.ts";

integrationTest(
  "ssh_exec through MCP: shell_exec's result, env/cwd, audit with the effective connection",
  async () => {
    await using sshd = await startSshd({ agent: false });
    const srv = await startSshStdio({ web: edEntry(sshd, { groups: ["prod"] }) }, [sshd]);
    try {
      const c = srv.s.client;
      const r = await c.callTool({
        name: "ssh_exec",
        arguments: {
          host: "web",
          command: "echo $RS_V; pwd; echo err >&2; exit 4",
          env: { RS_V: "val" },
          cwd: "/tmp",
        },
      });
      assert.equal(r.isError, undefined, textOf(r));
      assert.equal(r.structuredContent?.exit_code, 4);
      assert.equal(r.structuredContent?.output, "val\n/tmp\nerr\n");
      assert.equal(r.structuredContent?.timed_out, false);
      assert.match(r.structuredContent?.output_sha256 as string, /^[0-9a-f]{64}$/);
      assert.match(textOf(r), /^\[exit 4\]\nval\n/);
      const t = await c.callTool({
        name: "ssh_exec",
        arguments: { host: "web", command: "echo partial; sleep 30", timeout: 1 },
      });
      assert.equal(t.structuredContent?.timed_out, true);
      assert.equal(t.structuredContent?.output, "partial\n");
      assert.match(textOf(t), /^\[timeout after 1s/);
      const bad = await c.callTool({
        name: "ssh_exec",
        arguments: { host: "@nogroup", command: "true" },
      });
      assert.equal(bad.isError, true);
      assert.match(textOf(bad), /host: .*unknown group|host: /);

      const audit = await readAudit(srv.s.state.auditPath);
      const rec = audit.find((a) => a.tool === "ssh_exec" && a.exit_code === 4)!;
      const args = rec.args as Record<string, unknown>;
      assert.equal(args.host, "web");
      assert.equal(args.user, "rstest-ed");
      assert.equal(args.hostname, "127.0.0.1");
      assert.equal(args.port, sshd.port);
      assert.deepEqual(args.key_path, [sshd.users.ed.path]);
      assert.equal(args.jump, "");
      assert.equal(args.known_hosts, "accept-new");
      assert.equal(rec.tier, 1);
    } finally {
      await srv.close();
    }
  },
);

integrationTest(
  "policy sees host tokens: a deny rule on the address refuses an alias; readonly keeps only probes",
  async () => {
    await using sshd = await startSshd({ agent: false });
    const inv = { web: edEntry(sshd) };
    const deny = await startSshStdio(inv, [sshd], {
      RELAY_SHELL_POLICY_DENY: String.raw`(^|\s|@)127\.0\.0\.1(\s|$)`,
    });
    try {
      // The alias resolves to 127.0.0.1; another spelling of the address is caught as well.
      for (const host of ["web", "0x7f000001", `rstest-ed@[::ffff:127.0.0.1]:${sshd.port}`]) {
        const r = await deny.s.client.callTool({
          name: "ssh_exec",
          arguments: { host, command: "true" },
        });
        assert.equal(r.isError, true, host);
        assert.match(textOf(r), /^\[DENIED .*RELAY_SHELL_POLICY_DENY/, host);
      }
      const k = await deny.s.client.callTool({ name: "ssh_keyscan", arguments: { hosts: "web" } });
      assert.match(textOf(k), /^\[DENIED/);
      const audit = await readAudit(deny.s.state.auditPath);
      assert.ok(audit.some((a) => a.tool === "ssh_exec" && a.denied === true));
    } finally {
      await deny.close();
    }
    const ro = await startSshStdio(inv, [sshd], { RELAY_SHELL_POLICY_MODE: "readonly" });
    try {
      const c = ro.s.client;
      assert.match(
        textOf(await c.callTool({ name: "ssh_exec", arguments: { host: "web", command: "ls" } })),
        /^\[DENIED/,
      );
      assert.match(
        textOf(await c.callTool({ name: "ssh_keyscan", arguments: { hosts: "web" } })),
        /^\[DENIED tier 1/,
      );
      const chk = await c.callTool({ name: "ssh_check", arguments: {} });
      assert.equal(chk.isError, undefined, textOf(chk));
      const hosts = await c.callTool({ name: "ssh_hosts", arguments: {} });
      assert.equal(hosts.isError, undefined);
    } finally {
      await ro.close();
    }
  },
);

integrationTest(
  "ssh_fanout over 20 inventory aliases of 127.0.0.1, ssh_check, ssh_hosts and ssh_keyscan",
  async () => {
    await using sshd = await startSshd({ agent: false });
    const inv: Record<string, unknown> = {};
    for (let i = 0; i < 20; i++) {
      inv[`node${String(i).padStart(2, "0")}`] = edEntry(sshd, { groups: ["fleet"] });
    }
    const srv = await startSshStdio(inv, [sshd]);
    try {
      const c = srv.s.client;
      const f = await c.callTool({
        name: "ssh_fanout",
        arguments: { command: "echo from-$(id -un)", hosts: "@fleet", concurrency: 5 },
      });
      assert.equal(f.isError, undefined, textOf(f));
      const results = f.structuredContent?.results as Record<string, unknown>[];
      assert.equal(results.length, 20);
      results.forEach((r, i) => {
        assert.equal(r.host, `node${String(i).padStart(2, "0")}`);
        assert.equal(r.exit_code, 0);
        assert.equal(r.output, "from-rstest-ed\n");
        assert.match(r.output_sha256 as string, /^[0-9a-f]{64}$/);
      });
      assert.match(textOf(f), /^\[20\/20 hosts exited 0\]\n== node00 \[exit 0\]\nfrom-rstest-ed/);

      const tooMany = Array.from({ length: 101 }, (_, i) => `h${i}.example`).join(",");
      const big = await c.callTool({
        name: "ssh_fanout",
        arguments: { command: "true", hosts: tooMany },
      });
      assert.equal(big.isError, true);
      assert.match(textOf(big), /hosts: .*more than 100/);

      const chk = await c.callTool({
        name: "ssh_check",
        arguments: { hosts: ["node03", "127.0.0.1:1"] },
      });
      const rows = chk.structuredContent?.results as Record<string, unknown>[];
      assert.equal(rows[0].ok, true);
      assert.equal(rows[0].fingerprint, sshd.fingerprint());
      assert.equal(rows[1].ok, false);
      assert.match(rows[1].error as string, /connection refused/);

      const hosts = await c.callTool({ name: "ssh_hosts", arguments: {} });
      const list = hosts.structuredContent?.hosts as Record<string, unknown>[];
      assert.equal(list.length, 20);
      assert.match((list[0].sources as Record<string, string>).port, /^inventory:/);
      assert.match((list[0].sources as Record<string, string>).userKnownHostsFiles, /^ssh_config:/);
      assert.deepEqual(list[0].groups, ["fleet"]);

      const ks = await c.callTool({
        name: "ssh_keyscan",
        arguments: { hosts: "node00", key_types: "ed25519,rsa" },
      });
      assert.equal(textOf(ks).split("\n")[0], sshd.knownHostsLine());
      assert.match(textOf(ks), new RegExp(sshd.fingerprint("ssh-rsa").replace(/[+/]/g, "\\$&")));
      const badType = await c.callTool({
        name: "ssh_keyscan",
        arguments: { hosts: "node00", key_types: "dsa" },
      });
      assert.match(textOf(badType), /key_types: unknown dsa/);
    } finally {
      await srv.close();
    }
  },
);

integrationTest(
  "ssh_spawn makes a session that session_exec, session_list and session_kill drive",
  async () => {
    await using sshd = await startSshd({ agent: false });
    const srv = await startSshStdio({ web: edEntry(sshd) }, [sshd]);
    try {
      const c = srv.s.client;
      const sp = await c.callTool({
        name: "ssh_spawn",
        arguments: { host: "web", cols: 90, rows: 20 },
      });
      assert.equal(sp.isError, undefined, textOf(sp));
      const id = sp.structuredContent?.session_id as string;
      assert.match(id, /^ssh-/);
      const ex = await c.callTool({
        name: "session_exec",
        arguments: { session_id: id, command: "cd /tmp; stty size; id -un" },
      });
      assert.equal(ex.structuredContent?.exit_code, 0, textOf(ex));
      assert.equal(
        (ex.structuredContent?.output as string).replaceAll("\r", ""),
        "20 90\nrstest-ed\n",
      );
      const ls = await c.callTool({ name: "session_list", arguments: {} });
      const row = (ls.structuredContent?.sessions as Record<string, unknown>[]).find((x) =>
        x.id === id
      )!;
      assert.equal(row.kind, "ssh");
      assert.equal(row.title, "ssh web");
      const k = await c.callTool({ name: "session_kill", arguments: { session_id: id } });
      assert.equal(k.structuredContent?.closed, true);
    } finally {
      await srv.close();
    }
  },
);

integrationTest(
  "ssh_exec on a cli device returns the output with no exit code and says so",
  async () => {
    await using fake = await FakeSshServer.start({
      users: { admin: { password: "dev-pw" } },
      shell: deviceCli({ prompt: "sw1#", commands: { "show clock": "12:00:00 UTC" } }),
    });
    const srv = await startSshStdio(
      {
        sw1: {
          hostname: fake.host,
          port: fake.port,
          user: "admin",
          password_env: "RSTEST_DEV_PW",
          known_hosts: "ignore",
          shell: "cli",
          vendor: "cisco",
        },
      },
      [],
      { RSTEST_DEV_PW: "dev-pw" },
    );
    try {
      const r = await srv.s.client.callTool({
        name: "ssh_exec",
        arguments: { host: "sw1", command: "show clock" },
      });
      assert.equal(r.isError, undefined, textOf(r));
      assert.equal(r.structuredContent?.exit_code, null);
      assert.equal(r.structuredContent?.output, "12:00:00 UTC\n");
      assert.match(textOf(r), /^\[no exit code: CLI device\]\n12:00:00 UTC\n/);
      assert.match(textOf(r), /CLI device reports no exit code/);
      assert.ok(!textOf(r).includes("dev-pw"));
    } finally {
      await srv.close();
    }
  },
);

integrationTest(
  "resources: inventory, inventory/{host} with sources, ssh-config; reads audited; unknown host is not found",
  async () => {
    const srv = await startSshStdio({
      web: { hostname: "10.1.2.3", user: "deploy", password_env: "WEB_PASSWORD", groups: ["prod"] },
    }, []);
    try {
      const c = srv.s.client as unknown as Client;
      const list = await c.listResources();
      assert.ok(list.resources.some((r) => r.uri === "relay-shell://inventory"));
      assert.ok(list.resources.some((r) => r.uri === "relay-shell://inventory/web"));
      const read = async (uri: string) =>
        JSON.parse(((await c.readResource({ uri })).contents[0] as { text: string }).text);
      const inv = await read("relay-shell://inventory");
      assert.equal(inv.hosts[0].alias, "web");
      assert.equal(inv.hosts[0].password_env, "WEB_PASSWORD");
      const host = await read("relay-shell://inventory/web");
      assert.equal(host.hostname, "10.1.2.3");
      assert.match(host.sources.user, /^inventory:/);
      const cfg = await read("relay-shell://ssh-config");
      assert.equal(cfg.path, `${srv.dir}/ssh_config`);
      assert.equal(cfg.exists, true);
      const missing = await c.readResource({ uri: "relay-shell://inventory/nope" }).then(
        () => null,
        (e) => e,
      );
      assert.ok(missing instanceof Error);
      assert.match(String(missing.message), /Unknown host "nope"|not found/i);
      const audit = await readAudit(srv.s.state.auditPath);
      const tools = audit.map((a) => a.tool);
      assert.ok(tools.includes("resource:inventory"));
      assert.ok(tools.includes("resource:inventory-host"));
      assert.ok(tools.includes("resource:ssh-config"));
      assert.ok(
        audit.filter((a) => String(a.tool).startsWith("resource:")).every((a) => a.tier === 0),
      );
    } finally {
      await srv.close();
    }
  },
);

integrationTest("the six ssh tools fit their 2.8 KB share of tools/list", async () => {
  const s = await startStdio("v2", { RELAY_SHELL_SSH_CONFIG: "", RELAY_SHELL_TOOLSETS: "ssh" });
  try {
    const { tools } = await s.client.listTools();
    const ssh = tools.filter((t) => t.name.startsWith("ssh_"));
    assert.deepEqual(ssh.map((t) => t.name).sort(), [
      "ssh_check",
      "ssh_exec",
      "ssh_fanout",
      "ssh_hosts",
      "ssh_keyscan",
      "ssh_spawn",
    ]);
    const bytes = ssh.reduce(
      (n, t) => n + new TextEncoder().encode(JSON.stringify(t)).length + 1,
      0,
    );
    // deno-lint-ignore no-console
    console.log(`ssh tools in tools/list: ${bytes} bytes`);
    assert.ok(bytes <= 2800, `${bytes} bytes`);
  } finally {
    await s.close();
  }
});
