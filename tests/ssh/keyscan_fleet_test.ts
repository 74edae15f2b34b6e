/** keyscan() in process, and the fleet helpers (bounded concurrency, budgets, checkHost). */
import assert from "node:assert/strict";
import { checkHost, keyscan, mapBounded, perHostBudget } from "../../lib/ssh/mod.ts";
import { FakeSshServer, startSilentListener } from "../helpers/fake_ssh_server.ts";
import { startSshd } from "../helpers/sshd.ts";
import { entryFor, sshTestEnv } from "./_env.ts";

Deno.test("keyscan() returns each host key as a known_hosts line with the ssh-keygen fingerprint", async () => {
  await using sshd = await startSshd({ agent: false });
  const r = await keyscan(sshd.host, sshd.port);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.keys.map((k) => k.requested), ["ed25519", "ecdsa", "rsa"]);
  for (const [i, type] of (["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"] as const).entries()) {
    assert.equal(r.keys[i].fingerprint, sshd.fingerprint(type));
    assert.equal(r.keys[i].knownHostsLine, sshd.knownHostsLine(sshd.host, sshd.port, type));
  }
  // No authentication was attempted.
  assert.ok(!/Accepted|Failed (publickey|password)/.test(sshd.log()));
});

Deno.test("keyscan() reports a key type the server lacks, a refused port and a silent listener", async () => {
  await using fake = await FakeSshServer.start({ hostKeyType: "ed25519" });
  const r = await keyscan(fake.host, fake.port, { types: ["rsa", "ed25519"], timeoutMs: 3000 });
  assert.equal(r.keys.length, 1);
  assert.equal(r.keys[0].fingerprint, fake.hostKey.fingerprint);
  assert.equal(r.errors[0].type, "rsa");
  assert.match(r.errors[0].error, /no rsa host key|no matching/i);
  const refused = await keyscan("127.0.0.1", 1, { types: ["ed25519"] });
  assert.match(refused.errors[0].error, /connection refused/);
  const silent = startSilentListener();
  try {
    const s = await keyscan("127.0.0.1", silent.port, { types: ["ed25519"], timeoutMs: 300 });
    assert.match(s.errors[0].error, /timed out/);
  } finally {
    await silent.close();
  }
});

Deno.test("mapBounded() keeps input order and never exceeds the concurrency", async () => {
  let running = 0;
  let peak = 0;
  const out = await mapBounded([5, 1, 4, 2, 3, 0, 6], 3, async (ms, i) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, ms * 3));
    running--;
    return i * 10;
  });
  assert.deepEqual(out, [0, 10, 20, 30, 40, 50, 60]);
  assert.equal(peak, 3);
  assert.deepEqual(await mapBounded([], 8, () => Promise.resolve(1)), []);
});

Deno.test("perHostBudget() keeps the sum of host outputs and overhead within the budget", () => {
  for (const [budget, hosts] of [[65536, 1], [65536, 20], [65536, 100], [1024 * 1024, 7]]) {
    const each = perHostBudget(budget, hosts);
    assert.ok(each * hosts + 200 * hosts + 1024 <= budget, `${budget}/${hosts}`);
  }
  assert.equal(perHostBudget(4096, 100), 128, "a floor so every host shows something");
});

Deno.test("checkHost() gives ok, latency and the fingerprint, or a short error with the refused key", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: {
      up: entryFor(sshd, "ed25519"),
      down: { hostname: "127.0.0.1", port: 1, user: "x" },
      badkey: entryFor(sshd, "ed25519", { known_hosts: "strict", hostname: "localhost" }),
    },
  });
  const up = await checkHost(env.pool, env.resolver.resolveTarget("up"), { timeoutMs: 5000 });
  assert.equal(up.ok, true);
  assert.equal(up.error, null);
  assert.equal(up.fingerprint, sshd.fingerprint());
  assert.ok(up.latency_ms >= 0);
  const down = await checkHost(env.pool, env.resolver.resolveTarget("down"), { timeoutMs: 5000 });
  assert.equal(down.ok, false);
  assert.match(down.error!, /connection refused/);
  // "localhost" is not in known_hosts: strict refuses, and the presented key is still reported.
  const bad = await checkHost(env.pool, env.resolver.resolveTarget("badkey"), { timeoutMs: 5000 });
  assert.equal(bad.ok, false);
  assert.match(bad.error!, /localhost/);
  assert.equal(bad.fingerprint, sshd.fingerprint());
});
