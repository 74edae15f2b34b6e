import assert from "node:assert/strict";
import { memoryLogger } from "../../lib/log/mod.ts";
import { ManualClock } from "../../lib/util/mod.ts";
import {
  HostResolver,
  Inventory,
  InventoryError,
  parseInventory,
  poolKey,
} from "../../lib/ssh/mod.ts";

const YAML = `
web1:
  hostname: 10.0.0.11
  user: deploy
  port: "2201"
  groups: [web, prod]
web2:
  hostname: 10.0.0.12
  groups: [web]
  known_hosts: strict
db1:
  hostname: db1.internal
  identity_file: [~/.ssh/db_key, /etc/keys/db]
  password_env: DB1_PASSWORD
  sudo_password_env: DB1_SUDO
switch1:
  hostname: 10.0.9.1
  user: admin
  shell: cli
  vendor: cisco
  prompt_regex: '[\\w.-]+[>#]\\s*$'
  passphrase_env: SW_PASSPHRASE
legacy:
  host: old.example
  identityfile: ~/.ssh/old
bad-port:
  port: 70000
typo:
  hostname: t.example
  pasword_env: X
secret-in-file:
  password_env: "hunter2 is my password"
cli-no-prompt:
  shell: cli
bad-regex:
  shell: cli
  prompt_regex: "(unclosed"
bad-jump:
  jump: "a b"
"-evil":
  hostname: x
notamap: [1, 2]
empty:
groups:
  prod: [db1, "@web", ghost, bad-port]
  web1: [web2]
  edge: "switch1, web2"
`;

Deno.test("parseInventory() loads good entries and reports bad ones by name with the reason", () => {
  const inv = parseInventory(YAML, "/inv.yaml");
  assert.deepEqual([...inv.hosts.keys()], ["web1", "web2", "db1", "switch1", "legacy", "empty"]);
  const w1 = inv.hosts.get("web1")!;
  assert.equal(w1.port, 2201);
  assert.deepEqual(inv.hosts.get("db1")!.identityFiles, ["~/.ssh/db_key", "/etc/keys/db"]);
  assert.equal(inv.hosts.get("legacy")!.hostname, "old.example");
  const errors = Object.fromEntries(inv.errors.map((e) => [e.name, e.message]));
  assert.deepEqual(Object.keys(errors).sort(), [
    "-evil",
    "bad-jump",
    "bad-port",
    "bad-regex",
    "cli-no-prompt",
    "notamap",
    "secret-in-file",
    "typo",
  ]);
  assert.match(errors["bad-port"], /port must be an integer in 1\.\.65535/);
  assert.match(errors.typo, /unknown key "pasword_env" \(did you mean password_env\?\)/);
  assert.match(
    errors["secret-in-file"],
    /password_env must be the NAME of an environment variable/,
  );
  assert.doesNotMatch(errors["secret-in-file"], /hunter2/);
  assert.match(errors["cli-no-prompt"], /prompt_regex is required for shell: cli/);
  assert.match(errors["bad-regex"], /prompt_regex is not a valid RE2 regex/);
  assert.match(errors["bad-jump"], /jump/);
  assert.match(errors["-evil"], /alias must start with/);
  assert.match(errors.notamap, /must be a mapping/);
  const warnings = inv.warnings.map((w) => `${w.name}: ${w.message}`);
  assert.ok(warnings.includes("legacy: key host is an old spelling; use hostname"));
  assert.ok(warnings.includes("group:prod: unknown host ghost; skipped"));
  assert.ok(warnings.includes("group:prod: host bad-port has errors; skipped"));
  assert.ok(warnings.some((w) => /group:web1: a host has the same name; write @web1/.test(w)));
  assert.deepEqual(inv.groups.get("prod"), ["db1", "@web", "web1"]);
  assert.deepEqual(inv.groups.get("web"), ["web1", "web2"]);
  assert.deepEqual(inv.groups.get("edge"), ["switch1", "web2"]);
});

Deno.test("parseInventory() reads JSON and refuses text that is not a mapping as a whole", () => {
  const inv = parseInventory(
    JSON.stringify({ a: { hostname: "a.example", port: 22 }, groups: { g: ["a"] } }),
    "/i.json",
  );
  assert.equal(inv.hosts.get("a")!.hostname, "a.example");
  assert.throws(
    () => parseInventory("- a\n- b\n", "/i.yaml"),
    (e) => e instanceof InventoryError && /top level must be a mapping/.test(e.message),
  );
  assert.throws(() => parseInventory("a: [", "/i.yaml"), /not valid YAML\/JSON/);
  assert.throws(() => parseInventory("a: {}\na: {}\n", "/i.yaml"), InventoryError);
});

Deno.test("Inventory reloads a changed file and keeps the last good version when the new one does not parse", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/inventory.yaml`;
    await Deno.writeTextFile(file, "a:\n  hostname: a1\n");
    const logger = memoryLogger();
    const inv = new Inventory(file, { clock: new ManualClock(1000), logger });
    assert.equal(inv.current().hosts.get("a")!.hostname, "a1");
    await Deno.writeTextFile(file, "a:\n  hostname: a2\nb: {}\n");
    assert.equal(inv.current().hosts.get("a")!.hostname, "a2");
    assert.equal(inv.current().hosts.size, 2);
    await Deno.writeTextFile(file, "a: [oops\n");
    assert.equal(inv.current().hosts.get("a")!.hostname, "a2", "the previous version stays");
    const report = inv.report();
    assert.equal(report.loaded, true);
    assert.equal(report.loadedAt, 1000);
    assert.match(report.reloadError!, /not valid YAML/);
    await Deno.remove(file);
    assert.equal(inv.current().hosts.size, 2);
    assert.equal(inv.report().reloadError, "file not found");
    await Deno.writeTextFile(file, "c: {}\n");
    assert.deepEqual([...inv.current().hosts.keys()], ["c"]);
    assert.equal(inv.report().reloadError, null);
    assert.ok(logger.lines.some((l) => l.includes("inventory not (re)loaded")));
    assert.equal(new Inventory("").report().loaded, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function fixture(fn: (r: HostResolver, dir: string) => Promise<void> | void) {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/ssh_config`,
      `Host web1
  HostName ignored.example
  IdentityFile ~/.ssh/web_key
  User cfguser
  Port 2999
Host db1
  User dbcfg
Host bastion
  HostName bastion.example
  User jumper
Host loop-a
  ProxyJump loop-b
Host loop-b
  ProxyJump loop-a
Host *.wild
  User wild
`,
    );
    await Deno.writeTextFile(
      `${dir}/inventory.yaml`,
      YAML + "\nviajump:\n  hostname: 10.2.0.1\n  jump: bastion\n",
    );
    const r = new HostResolver({
      sshConfigPath: `${dir}/ssh_config`,
      inventoryPath: `${dir}/inventory.yaml`,
      home: "/home/op",
      env: { SSH_AUTH_SOCK: "/run/agent.sock" },
      localUser: "op",
      knownHostsMode: "accept-new",
      connectTimeout: 12,
      serverAliveInterval: 25,
    });
    await fn(r, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("HostResolver.resolveTarget() lets the inventory win and falls back to ssh_config, with sources", async () => {
  await fixture((r, dir) => {
    const t = r.resolveTarget("web1");
    const inv = `inventory:${dir}/inventory.yaml`;
    assert.equal(t.hostname, "10.0.0.11");
    assert.equal(t.user, "deploy");
    assert.equal(t.port, 2201);
    assert.deepEqual(t.identityFiles, ["/home/op/.ssh/web_key"]);
    assert.equal(t.identityAgent, "/run/agent.sock");
    assert.equal(t.knownHostsMode, "accept-new");
    assert.equal(t.connectTimeout, 12);
    assert.equal(t.serverAliveInterval, 25);
    assert.deepEqual(t.groups, ["prod", "web"]);
    assert.equal(t.inInventory, true);
    assert.equal(t.inSshConfig, true);
    assert.deepEqual(
      [
        t.sources.hostname,
        t.sources.user,
        t.sources.port,
        t.sources.identityFiles,
        t.sources.knownHostsMode,
      ],
      [inv, inv, inv, `ssh_config:${dir}/ssh_config:3`, "default"],
    );
    const db = r.resolveTarget("db1");
    assert.deepEqual(db.identityFiles, ["/home/op/.ssh/db_key", "/etc/keys/db"]);
    assert.equal(db.user, "dbcfg");
    assert.equal(db.passwordEnv, "DB1_PASSWORD");
    assert.equal(db.sudoPasswordEnv, "DB1_SUDO");
    const sw = r.resolveTarget("switch1");
    assert.equal(sw.shell, "cli");
    assert.equal(sw.vendor, "cisco");
    assert.equal(sw.promptRegex, "[\\w.-]+[>#]\\s*$");
    assert.equal(r.resolveTarget("web2").knownHostsMode, "strict");
    // The inventory hop is itself resolved through the inventory and ssh_config.
    const vj = r.resolveTarget("viajump");
    assert.equal(vj.jump!.hostname, "bastion.example");
    assert.equal(vj.jump!.user, "jumper");
    assert.equal(vj.sources.jump, inv);
  });
});

Deno.test("HostResolver.resolveTarget() gives per-call overrides and the token's user/port the last word", async () => {
  await fixture((r) => {
    const t = r.resolveTarget("root@web1:2022", {
      knownHosts: "strict",
      keyPath: "~/k",
      jump: "ops@bastion:2200",
    });
    assert.equal(t.user, "root");
    assert.equal(t.port, 2022);
    assert.equal(t.knownHostsMode, "strict");
    assert.deepEqual(t.identityFiles, ["/home/op/k"]);
    assert.equal(t.jump!.user, "ops");
    assert.equal(t.jump!.port, 2200);
    assert.equal(t.jump!.hostname, "bastion.example");
    for (const f of ["user", "port", "knownHostsMode", "identityFiles", "jump"]) {
      assert.equal(t.sources[f], "argument", f);
    }
    const o = r.resolveTarget("web1", { user: "u2", port: 2300 });
    assert.deepEqual([o.user, o.port], ["u2", 2300]);
    assert.equal(r.resolveTarget("web1", { jump: "none" }).jump, null);
  });
});

Deno.test("HostResolver.resolveTarget() accepts user@host:port, [v6]:port, bare IPs and names", async () => {
  await fixture((r) => {
    const cases: [string, string, string, number][] = [
      ["10.9.9.9", "10.9.9.9", "op", 22],
      ["alice@10.9.9.9:2222", "10.9.9.9", "alice", 2222],
      ["host.example:2022", "host.example", "op", 2022],
      ["[::1]:2200", "::1", "op", 2200],
      ["bob@[fe80::1%eth0]", "fe80::1%eth0", "bob", 22],
      ["::1", "::1", "op", 22],
      ["a.wild", "a.wild", "wild", 22],
      ["me@domain@host.example", "host.example", "me@domain", 22],
    ];
    for (const [token, host, user, port] of cases) {
      const t = r.resolveTarget(token);
      assert.deepEqual([t.hostname, t.user, t.port], [host, user, port], token);
      assert.equal(t.inInventory, false);
    }
  });
});

Deno.test("HostResolver.resolveTarget() refuses bad tokens and overrides, naming the argument", async () => {
  await fixture((r) => {
    assert.throws(() => r.resolveTarget(""), /^TypeError: host: empty host/);
    assert.throws(
      () => r.resolveTarget("-oProxyCommand=x"),
      /host: host name must not start with '-'/,
    );
    assert.throws(() => r.resolveTarget("a b"), /host: host name "a b" has a forbidden character/);
    assert.throws(
      () => r.resolveTarget("h:99999"),
      (e) => e instanceof RangeError && /^host: port must be/.test(e.message),
    );
    assert.throws(
      () => r.resolveTarget("h", { port: 0 }),
      (e) => e instanceof RangeError && /^port: /.test(e.message),
    );
    assert.throws(() => r.resolveTarget("h", { user: "-x" }), /^TypeError: user: /);
    assert.throws(() => r.resolveTarget("h", { jump: "a,,b" }), /^TypeError: jump: /);
    assert.throws(() => r.resolveTarget("h", { keyPath: " " }), /^TypeError: key_path: /);
    assert.throws(
      () => r.resolveTarget("h", { knownHosts: "yolo" as "strict" }),
      /^TypeError: known_hosts: must be one of strict, accept-new, ignore/,
    );
    assert.throws(
      () => r.resolveTarget("loop-a"),
      (e) => e instanceof RangeError && /^jump: .*deeper than 8 hops/.test(e.message),
    );
  });
});

Deno.test("HostResolver.expandHosts() expands groups, keeps order, drops repeats and caps at 100", async () => {
  await fixture((r) => {
    assert.deepEqual(r.expandHosts(["web2", "@prod", "db1"]), ["web2", "db1", "web1"]);
    assert.deepEqual(r.expandHosts("edge, 10.0.0.5 web2"), ["switch1", "web2", "10.0.0.5"]);
    // A bare name that is also a host means the host; @name means the group.
    assert.deepEqual(r.expandHosts(["web1"]), ["web1"]);
    assert.deepEqual(r.expandHosts(["@web1"]), ["web2"]);
    assert.deepEqual(r.expandHosts(["@all"]).length, 7);
    assert.throws(
      () => r.expandHosts(["@nope"]),
      /^TypeError: hosts: unknown group @nope; known groups: /,
    );
    assert.throws(() => r.expandHosts(["bad host!"]), /hosts: /);
    const many = Array.from({ length: 101 }, (_, i) => `10.0.1.${i}`);
    assert.equal(r.expandHosts(many.slice(0, 100)).length, 100);
    assert.throws(
      () => r.expandHosts(many),
      (e) => e instanceof RangeError && /^hosts: .*cap of 100/.test(e.message),
    );
    assert.throws(() => r.expandHosts(["@web"], { max: 1 }), RangeError);
  });
});

Deno.test("HostResolver.listHosts() lists inventory and literal ssh_config aliases with their origin", async () => {
  await fixture((r) => {
    const list = r.listHosts();
    const byAlias = Object.fromEntries(list.map((h) => [h.alias, h]));
    assert.deepEqual(list.map((h) => h.alias), [...list.map((h) => h.alias)].sort());
    assert.deepEqual(byAlias.web1.definedIn, ["inventory", "ssh_config"]);
    assert.deepEqual(byAlias.bastion.definedIn, ["ssh_config"]);
    assert.deepEqual(byAlias.switch1.definedIn, ["inventory"]);
    assert.deepEqual(byAlias.web1.groups, ["prod", "web"]);
    assert.equal(byAlias["*.wild"], undefined);
    const report = r.inventoryReport();
    assert.equal(report.hosts, 7);
    assert.equal(report.errors.length, 8);
  });
});

Deno.test("poolKey() separates targets that differ in identity or trust and matches identical ones", async () => {
  await fixture((r) => {
    const base = poolKey(r.resolveTarget("web1"));
    assert.match(base, /^deploy@10\.0\.0\.11:2201#[0-9a-f]{16}$/);
    assert.equal(poolKey(r.resolveTarget("web1")), base);
    const variants = [
      r.resolveTarget("web1", { knownHosts: "ignore" }),
      r.resolveTarget("web1", { keyPath: "/other" }),
      r.resolveTarget("web1", { jump: "bastion" }),
      r.resolveTarget("web1", { user: "other" }),
    ];
    const keys = variants.map(poolKey);
    assert.equal(new Set([base, ...keys]).size, 5);
    // Jump chains count recursively.
    assert.notEqual(
      poolKey(r.resolveTarget("web1", { jump: "bastion" })),
      poolKey(r.resolveTarget("web1", { jump: "ops@bastion" })),
    );
    assert.match(poolKey(r.resolveTarget("[::1]:2200")), /^op@\[::1\]:2200#/);
  });
});
