/**
 * ssh_config resolution compared with the system client: for each case, `ssh -G -F <file>
 * <alias>` (offline) prints what OpenSSH resolved, and HostResolver must agree field by field.
 */
import assert from "node:assert/strict";
import {
  expandPath,
  expandTokens,
  HostResolver,
  PROXY_TOKENS,
  type ResolvedTarget,
  type TokenContext,
} from "../../lib/ssh/mod.ts";

const passwd = (await Deno.readTextFile("/etc/passwd")).split("\n").map((l) => l.split(":"))
  .find((f) => Number(f[2]) === Deno.uid())!;
const LOCAL_USER = passwd[0];
const HOME = passwd[5];
const ENV = { HOME, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };

async function sshG(
  config: string,
  alias: string,
  extra: string[] = [],
): Promise<Map<string, string[]>> {
  const out = await new Deno.Command("ssh", {
    args: ["-G", "-F", config, ...extra, alias],
    env: ENV,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const map = new Map<string, string[]>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const i = line.indexOf(" ");
    if (i < 0) continue;
    const k = line.slice(0, i);
    map.set(k, [...(map.get(k) ?? []), line.slice(i + 1)]);
  }
  return map;
}

function resolver(config: string, inventoryPath = ""): HostResolver {
  return new HostResolver({
    sshConfigPath: config,
    inventoryPath,
    env: ENV,
    home: HOME,
    localUser: LOCAL_USER,
  });
}

function ctxOf(t: ResolvedTarget): TokenContext {
  return {
    host: t.hostname,
    originalHost: t.alias,
    port: t.port,
    remoteUser: t.user,
    localUser: LOCAL_USER,
    home: HOME,
    uid: Deno.uid()!,
    localHostname: Deno.hostname(),
    hostKeyAlias: t.hostKeyAlias ?? undefined,
  };
}

/** Asserts that `t` agrees with `ssh -G` output `g` on every field both know. */
function assertAgrees(t: ResolvedTarget, g: Map<string, string[]>, label: string) {
  const one = (k: string) => g.get(k)?.[0];
  assert.equal(t.hostname, one("hostname"), `${label}: hostname`);
  assert.equal(t.user, one("user"), `${label}: user`);
  assert.equal(String(t.port), one("port"), `${label}: port`);
  const ids = (g.get("identityfile") ?? []).map((p) => expandPath(p, ctxOf(t), ENV));
  assert.deepEqual(t.identityFiles, ids, `${label}: identityfile`);
  assert.deepEqual(
    t.userKnownHostsFiles,
    one("userknownhostsfile")!.split(" "),
    `${label}: userknownhostsfile`,
  );
  assert.deepEqual(
    t.globalKnownHostsFiles,
    one("globalknownhostsfile")!.split(" "),
    `${label}: globalknownhostsfile`,
  );
  const agent = one("identityagent");
  if (agent === undefined) assert.equal(t.identityAgent, null, `${label}: identityagent`);
  else if (agent === "none") assert.equal(t.identityAgent, null, `${label}: identityagent`);
  else assert.equal(t.identityAgent, agent, `${label}: identityagent`);
  const pj = one("proxyjump");
  assert.equal(
    t.jumpChain,
    pj === undefined ? null : expandTokens(pj, ctxOf(t), PROXY_TOKENS),
    `${label}: proxyjump`,
  );
  assert.equal(t.identitiesOnly, one("identitiesonly") === "yes", `${label}: identitiesonly`);
  assert.equal(t.hashKnownHosts, one("hashknownhosts") === "yes", `${label}: hashknownhosts`);
  assert.equal(t.forwardAgent, one("forwardagent") === "yes", `${label}: forwardagent`);
  assert.equal(t.hostKeyAlias, one("hostkeyalias") ?? null, `${label}: hostkeyalias`);
  const fromConfig = (f: string) => t.sources[f].startsWith("ssh_config:");
  const strict = { true: "strict", ask: "strict", false: "ignore", "accept-new": "accept-new" }[
    one("stricthostkeychecking")!
  ];
  if (fromConfig("knownHostsMode")) {
    assert.equal(t.knownHostsMode, strict, `${label}: stricthostkeychecking`);
  } else {assert.equal(
      one("stricthostkeychecking"),
      "ask",
      `${label}: stricthostkeychecking default`,
    );}
  const ct = one("connecttimeout");
  if (ct === "none") assert.equal(fromConfig("connectTimeout"), false, `${label}: connecttimeout`);
  else assert.equal(String(t.connectTimeout), ct, `${label}: connecttimeout`);
  const sai = one("serveraliveinterval");
  if (sai === "0") {
    assert.equal(fromConfig("serverAliveInterval"), false, `${label}: serveraliveinterval`);
  } else assert.equal(String(t.serverAliveInterval), sai, `${label}: serveraliveinterval`);
}

interface Case {
  name: string;
  files: Record<string, string>;
  aliases: string[];
}

const CASES: Case[] = [
  {
    name: "first value wins, Host wildcards and negation",
    files: {
      config: `Host web* !web-bad
  User webuser
  Port 2201
Host web1 db1
  HostName 10.0.0.1
  User ignored
  IdentityFile ~/.ssh/id_web
Host *
  User fallback
  Port 22
  IdentityFile ~/.ssh/id_common
  IdentityFile ~/.ssh/id_web
`,
    },
    aliases: ["web1", "web-bad", "db1", "other", "WEB1"],
  },
  {
    name: "Include with globs, conditional Include and restored block state",
    files: {
      config: `Include DIR/conf.d/*.conf
Host inc-cond
  Include DIR/cond.conf
  Port 2100
Host *
  ServerAliveInterval 15
`,
      "conf.d/a.conf": "Host alpha\n  HostName alpha.internal\n  Port 2022\n",
      "conf.d/b.conf": "Host beta\n  User betauser\nHost alpha\n  User alphauser\n",
      "conf.d/skip.txt": "Host alpha\n  User never\n",
      "cond.conf": "User conduser\nHost other-in-cond\n  Port 2999\n",
    },
    aliases: ["alpha", "beta", "inc-cond", "other-in-cond", "zeta"],
  },
  {
    name: "Match host/originalhost/user/localuser/all and the final pass",
    files: {
      config: `Host m1
  HostName real.example
Match host real.example !user nobody
  Port 2200
Match originalhost m2 user LOCALUSER
  User matched
Match final host real.example
  ServerAliveInterval 7
Host real.example
  ConnectTimeout 9
Match localuser LOCALUSER
  HashKnownHosts yes
Match !host m3
  ForwardAgent yes
Match user matched
  IdentitiesOnly yes
Match all
  StrictHostKeyChecking accept-new
`,
    },
    aliases: ["m1", "m2", "m3", "real.example"],
  },
  {
    name: "tokens, ${VAR} and ~ in paths, ProxyJump tokens, HostKeyAlias",
    files: {
      config: `Host tok
  HostName %h.example.net
  User tokuser
  Port 2345
  IdentityFile ~/.ssh/id_%r_%h_%p
  IdentityFile /keys/%n-%u-%L-%d
  UserKnownHostsFile ~/.ssh/kh_%h_%p /tmp/%C \${HOME}/x_%k_%i_%l /tmp/pct%%x
  IdentityAgent /tmp/agent.%r.%n
  ProxyJump jumpuser@%h.jump:2200,%n-x
  HostKeyAlias tok-key
  StrictHostKeyChecking no
  ConnectTimeout 4
Host tok2
  UserKnownHostsFile /tmp/%k
  IdentityAgent none
  GlobalKnownHostsFile /etc/x /etc/y
  StrictHostKeyChecking yes
`,
    },
    aliases: ["tok", "tok2"],
  },
  {
    name: "ProxyJump chains",
    files: {
      config: `Host target
  HostName 10.1.1.1
  ProxyJump hop1,admin@hop2:2022
Host hop1
  HostName hop1.example
  User hopper
  ProxyJump hop0
Host hop2
  HostName hop2.example
  Port 2222
Host hop0
  HostName bastion.example
  ProxyJump none
Host pc
  ProxyCommand nc %h %p
  ProxyJump ignored
`,
    },
    aliases: ["target", "hop1", "hop0", "pc"],
  },
];

async function writeCase(c: Case): Promise<{ dir: string; config: string }> {
  const dir = await Deno.makeTempDir();
  for (const [name, text] of Object.entries(c.files)) {
    const path = `${dir}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text.replaceAll("DIR", dir).replaceAll("LOCALUSER", LOCAL_USER));
  }
  return { dir, config: `${dir}/config` };
}

for (const c of CASES) {
  Deno.test(`HostResolver.resolveTarget() agrees with ssh -G: ${c.name}`, async () => {
    const { dir, config } = await writeCase(c);
    try {
      const r = resolver(config);
      for (const alias of c.aliases) {
        assertAgrees(r.resolveTarget(alias), await sshG(config, alias), alias);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("HostResolver.resolveTarget() resolves each ProxyJump hop like ssh would run it", async () => {
  const { dir, config } = await writeCase(CASES[4]);
  try {
    const t = resolver(config).resolveTarget("target");
    assert.equal(t.jumpChain, "hop1,admin@hop2:2022");
    // The last hop is reached through the earlier ones: ssh -J hop1 -l admin -p 2022 hop2.
    const hop2 = t.jump!;
    assertAgrees(
      hop2,
      await sshG(config, "hop2", ["-J", "hop1", "-l", "admin", "-p", "2022"]),
      "hop2",
    );
    assert.equal(hop2.sources.user, "argument");
    const hop1 = hop2.jump!;
    assertAgrees(hop1, await sshG(config, "hop1"), "hop1");
    const hop0 = hop1.jump!;
    assertAgrees(hop0, await sshG(config, "hop0"), "hop0");
    assert.equal(hop0.jump, null);
    const pc = resolver(config).resolveTarget("pc");
    assert.equal(pc.proxyCommand, "nc %h %p");
    assert.match(pc.warnings.join("\n"), /ProxyCommand is not supported/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HostResolver.resolveTarget() reports Match exec without running it and records line sources", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const marker = `${dir}/ran`;
    await Deno.writeTextFile(
      `${dir}/config`,
      `# comment\n\nHost ex\n  HostName ex.example\nMatch exec "touch ${marker}"\n  User fromexec\nHost *\n  User everyone\n  Port 2022\n`,
    );
    const t = resolver(`${dir}/config`).resolveTarget("ex");
    assert.equal(t.user, "everyone");
    assert.equal(
      await Deno.stat(marker).then(() => true, () => false),
      false,
      "Match exec must not run",
    );
    assert.match(t.warnings.join("\n"), /config:5: Match exec is not supported/);
    assert.equal(t.sources.hostname, `ssh_config:${dir}/config:4`);
    assert.equal(t.sources.user, `ssh_config:${dir}/config:8`);
    assert.equal(t.sources.port, `ssh_config:${dir}/config:9`);
    assert.equal(t.sources.identityFiles, "default");
    assert.equal(t.inSshConfig, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HostResolver reads relative Include paths under ~/.ssh and notices edited files", async () => {
  const home = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${home}/.ssh/conf.d`, { recursive: true });
    await Deno.writeTextFile(`${home}/.ssh/config`, "Include conf.d/*\nHost *\n  User dflt\n");
    await Deno.writeTextFile(
      `${home}/.ssh/conf.d/one`,
      "Host one\n  HostName one.example\n  IdentityFile ~/k1\n",
    );
    const r = new HostResolver({
      sshConfigPath: `${home}/.ssh/config`,
      inventoryPath: "",
      home,
      env: {},
      localUser: "me",
    });
    const t = r.resolveTarget("one");
    assert.equal(t.hostname, "one.example");
    assert.deepEqual(t.identityFiles, [`${home}/k1`]);
    assert.equal(t.sources.hostname, `ssh_config:${home}/.ssh/conf.d/one:2`);
    await Deno.writeTextFile(`${home}/.ssh/conf.d/two`, "Host two\n  Port 2202\n");
    assert.equal(r.resolveTarget("two").port, 2202);
    await Deno.writeTextFile(`${home}/.ssh/conf.d/one`, "Host one\n  HostName uno.example\n");
    assert.equal(r.resolveTarget("one").hostname, "uno.example");
    assert.deepEqual(r.listHosts().map((h) => h.alias), ["one", "two"]);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
