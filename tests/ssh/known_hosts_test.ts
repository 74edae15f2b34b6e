import assert from "node:assert/strict";
import {
  checkHostKey,
  decodeBase64,
  entryMatchesHost,
  fingerprintSha256,
  hashHostName,
  knownHostsName,
  knownKeyTypes,
  matchPattern,
  matchPatternList,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  publicKeyType,
} from "../../lib/ssh/mod.ts";
import { newKey, runText } from "./_keys.ts";

async function withFile(text: string, fn: (file: string, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/known_hosts`;
    await Deno.writeTextFile(file, text);
    await fn(file, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("fingerprintSha256() equals ssh-keygen -lf for ed25519, RSA and ECDSA keys", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const t of ["ed25519", "rsa", "ecdsa"]) {
      await runText("ssh-keygen", ["-q", "-t", t, "-N", "", "-f", `${dir}/k_${t}`]);
      const line = (await Deno.readTextFile(`${dir}/k_${t}.pub`)).trim().split(" ");
      const blob = decodeBase64(line[1])!;
      const expected =
        /SHA256:\S+/.exec(await runText("ssh-keygen", ["-lf", `${dir}/k_${t}.pub`]))![0];
      assert.equal(fingerprintSha256(blob), expected, t);
      assert.equal(publicKeyType(blob), line[0]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("matchPatternList() follows OpenSSH: wildcards, and a negated match vetoes the list", () => {
  assert.equal(matchPattern("web1.example.com", "*.example.com"), true);
  assert.equal(matchPattern("web1.example.com", "web?.example.com"), true);
  assert.equal(matchPattern("web10.example.com", "web?.example.com"), false);
  assert.equal(matchPattern("a", "**"), true);
  assert.equal(matchPattern("", "*"), true);
  assert.equal(matchPatternList("db.example.com", "*.example.com,!db.example.com"), -1);
  assert.equal(matchPatternList("web.example.com", "*.example.com,!db.example.com"), 1);
  assert.equal(matchPatternList("other.org", "*.example.com,!db.example.com"), 0);
  assert.equal(matchPatternList("WEB.Example.com", "*.example.COM", true), 1);
  assert.equal(matchPatternList("WEB.Example.com", "*.example.com", false), 0);
  // Linear time on a hostile pattern.
  const t0 = performance.now();
  assert.equal(matchPattern("a".repeat(5000) + "b", "*a*a*a*a*a*a*a*a*c"), false);
  assert.ok(performance.now() - t0 < 500);
});

Deno.test("parseKnownHosts() reads markers, lists and comments, and reports malformed lines by number", () => {
  const ed = newKey("ed25519");
  const rsa = newKey("rsa");
  const text = [
    "# a comment",
    "",
    `host1,10.0.0.1 ${ed.line} root@host1`,
    `@revoked * ${rsa.line}`,
    `@cert-authority *.corp ${ed.line}`,
    `   [host2]:2222 ${rsa.line}`,
    "badline-without-key",
    `host3 ssh-ed25519 not*base64`,
    `host4 ssh-rsa ${ed.b64}`,
    `@bogus host5 ${ed.line}`,
    `|1|abc|def ${ed.line}`,
    `host6 1024 35 12345`,
    `host7 ${ed.line}\r`,
  ].join("\n");
  const r = parseKnownHosts(text, "/kh");
  assert.deepEqual(r.entries.map((e) => [e.line, e.marker, e.hosts, e.keyType]), [
    [3, null, "host1,10.0.0.1", "ssh-ed25519"],
    [4, "revoked", "*", "ssh-rsa"],
    [5, "cert-authority", "*.corp", "ssh-ed25519"],
    [6, null, "[host2]:2222", "ssh-rsa"],
    [13, null, "host7", "ssh-ed25519"],
  ]);
  assert.equal(r.entries[0].comment, "root@host1");
  assert.deepEqual(r.problems.map((p) => p.line), [7, 8, 9, 10, 11, 12]);
  assert.match(r.problems[2].message, /does not match the key blob/);
  assert.match(r.problems[3].message, /unknown marker/);
  assert.match(r.problems[4].message, /bad salt or hash/);
  assert.match(r.problems[5].message, /protocol 1/);
});

Deno.test("checkHostKey() looks up [host]:port off port 22 and plain host on 22", async () => {
  const k = newKey();
  const other = newKey();
  await withFile(`example.com ${k.line}\n[example.com]:2222 ${other.line}\n`, async (file) => {
    const on22 = await checkHostKey({ host: "Example.COM", key: k.blob, files: [file] });
    assert.equal(on22.status, "match");
    assert.equal(on22.name, "example.com");
    assert.deepEqual(on22.known.map((r) => r.line), [1]);
    const on2222 = await checkHostKey({
      host: "example.com",
      port: 2222,
      key: other.blob,
      files: [file],
    });
    assert.equal(on2222.status, "match");
    assert.equal(on2222.name, "[example.com]:2222");
    // The port-22 entry does not vouch for port 2200.
    const on2200 = await checkHostKey({
      host: "example.com",
      port: 2200,
      key: k.blob,
      files: [file],
    });
    assert.equal(on2200.status, "unknown");
    assert.equal(on2200.fingerprint, fingerprintSha256(k.blob));
  });
  assert.equal(knownHostsName("::1", 2222), "[::1]:2222");
});

Deno.test("checkHostKey() matches hashed entries written by ssh-keygen -H", async () => {
  const a = newKey();
  const b = newKey("rsa");
  await withFile(`alpha.example ${a.line}\n[10.1.2.3]:2200 ${b.line}\n`, async (file) => {
    await runText("ssh-keygen", ["-q", "-H", "-f", file]);
    const text = await Deno.readTextFile(file);
    assert.doesNotMatch(text, /alpha|10\.1\.2\.3/);
    const hashed = parseKnownHosts(text, file).entries;
    assert.ok(hashed.every((e) => e.hashed));
    assert.equal(
      (await checkHostKey({ host: "alpha.example", key: a.blob, files: [file] })).status,
      "match",
    );
    assert.equal(
      (await checkHostKey({ host: "10.1.2.3", port: 2200, key: b.blob, files: [file] })).status,
      "match",
    );
    assert.equal(
      (await checkHostKey({ host: "beta.example", key: a.blob, files: [file] })).status,
      "unknown",
    );
    // Our hashing with ssh-keygen's salt gives ssh-keygen's hash.
    const salt = hashed[0].hashed!.salt;
    assert.equal(hashHostName("alpha.example", salt), hashed[0].hosts);
    assert.equal(entryMatchesHost(hashed[0], "alpha.example"), true);
  });
});

Deno.test("checkHostKey() honours wildcard patterns and negation", async () => {
  const k = newKey();
  await withFile(
    `*.example.com,!db.example.com ${k.line}\n[*.lab]:2222 ${k.line}\n`,
    async (file) => {
      const check = (host: string, port = 22) =>
        checkHostKey({ host, port, key: k.blob, files: [file] });
      assert.equal((await check("web.example.com")).status, "match");
      assert.equal((await check("db.example.com")).status, "unknown");
      assert.equal((await check("r1.lab", 2222)).status, "match");
      assert.equal((await check("r1.lab")).status, "unknown");
    },
  );
});

Deno.test("checkHostKey() tells a changed key from a key of a type not known for the host", async () => {
  const ed = newKey("ed25519");
  const rsa = newKey("rsa");
  const ecdsa = newKey("ecdsa");
  await withFile(`h ${ed.line}\nh ${rsa.line}\n`, async (file) => {
    const check = (key: Uint8Array) => checkHostKey({ host: "h", key, files: [file] });
    assert.equal((await check(rsa.blob)).status, "match");
    const changed = await check(newKey("rsa").blob);
    assert.equal(changed.status, "mismatch");
    assert.equal(changed.reason, "changed");
    assert.deepEqual(changed.known.map((r) => [r.line, r.fingerprint]), [[
      2,
      fingerprintSha256(rsa.blob),
    ]]);
    const otherType = await check(ecdsa.blob);
    assert.equal(otherType.status, "mismatch");
    assert.equal(otherType.reason, "other-key-types");
    assert.deepEqual(otherType.known.map((r) => r.keyType), ["ssh-ed25519", "ssh-rsa"]);
    assert.deepEqual(await knownKeyTypes({ host: "h", files: [file] }), ["ssh-ed25519", "ssh-rsa"]);
  });
});

Deno.test("checkHostKey() reports @revoked keys and hosts vouched for only by @cert-authority", async () => {
  const k = newKey();
  const ca = newKey();
  await withFile(
    `h ${k.line}\n@revoked h,g ${k.line}\n@cert-authority *.corp ${ca.line}\n`,
    async (file) => {
      const revoked = await checkHostKey({ host: "h", key: k.blob, files: [file] });
      assert.equal(revoked.status, "revoked");
      assert.equal(revoked.known[0].line, 2);
      const caOnly = await checkHostKey({ host: "srv.corp", key: newKey().blob, files: [file] });
      assert.equal(caOnly.status, "ca-only");
      assert.equal(caOnly.known[0].line, 3);
    },
  );
});

Deno.test("checkHostKey() reads several files, skips missing ones and passes problems on", async () => {
  const k = newKey();
  await withFile(`junk\nother ${k.line}\n`, async (file, dir) => {
    const global = `${dir}/global`;
    await Deno.writeTextFile(global, `h ${k.line}\n`);
    const r = await checkHostKey({
      host: "h",
      key: k.blob,
      files: [`${dir}/missing`, file, global],
    });
    assert.equal(r.status, "match");
    assert.equal(r.known[0].file, global);
    assert.deepEqual(r.problems.map((p) => [p.file, p.line]), [[file, 1]]);
  });
  await assert.rejects(
    checkHostKey({ host: "h", key: k.blob, keyType: "ssh-rsa", files: [] }),
    /keyType: ssh-rsa does not match/,
  );
});

Deno.test("preferredHostKeyAlgorithms() puts the known key types first", () => {
  assert.deepEqual(preferredHostKeyAlgorithms(["ssh-rsa"]).slice(0, 3), [
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
  ]);
  assert.equal(preferredHostKeyAlgorithms([]).length, 7);
  assert.equal(preferredHostKeyAlgorithms(["ecdsa-sha2-nistp256"])[0], "ecdsa-sha2-nistp256");
});
