import assert from "node:assert/strict";
import {
  expandEnvRefs,
  expandHostnameTokens,
  expandPath,
  expandTilde,
  expandTokens,
  formatHostToken,
  HostResolver,
  parseHostToken,
  parseJumpChain,
  type TokenContext,
} from "../../lib/ssh/mod.ts";

const CTX: TokenContext = {
  host: "h.example",
  originalHost: "h",
  port: 2200,
  remoteUser: "ru",
  localUser: "lu",
  home: "/home/lu",
  uid: 1000,
  localHostname: "box.lan",
};

Deno.test("expandTokens() expands the allowed tokens and refuses others", () => {
  assert.equal(
    expandTokens("%h %n %p %r %u %d %i %L %l %k %%", CTX),
    "h.example h 2200 ru lu /home/lu 1000 box box.lan h %",
  );
  assert.equal(expandTokens("%k", { ...CTX, hostKeyAlias: "alias" }), "alias");
  assert.match(expandTokens("%C", CTX), /^[0-9a-f]{40}$/);
  assert.throws(() => expandTokens("%z", CTX), /token %z is not allowed here/);
  assert.throws(() => expandTokens("a%", CTX), /trailing %/);
  assert.throws(() => expandTokens("%u", CTX, "%hnpr"), /token %u is not allowed/);
  assert.equal(expandHostnameTokens("%h.corp%%", "web"), "web.corp%");
  assert.throws(() => expandHostnameTokens("%p", "web"), /token %p/);
});

Deno.test("expandPath() expands ~, ~user, ${VAR} and tokens, and anchors relative paths at home", () => {
  assert.equal(expandPath("~/.ssh/id_%r", CTX, {}), "/home/lu/.ssh/id_ru");
  assert.equal(expandPath("${KEYS}/k", CTX, { KEYS: "/srv/keys" }), "/srv/keys/k");
  assert.equal(expandPath("keys/k", CTX, {}), "/home/lu/keys/k");
  assert.equal(expandTilde("~root/x", "/h"), "/root/x");
  assert.throws(() => expandTilde("~no-such-user-xyz/x", "/h"), /unknown user/);
  assert.throws(() => expandEnvRefs("${MISSING_VAR}", {}), /MISSING_VAR is not set/);
});

Deno.test("parseHostToken() and parseJumpChain() read every token form and round-trip", () => {
  assert.deepEqual(parseHostToken("u@h:22"), { user: "u", host: "h", port: 22 });
  assert.deepEqual(parseHostToken("[2001:db8::1]:2222"), {
    user: undefined,
    host: "2001:db8::1",
    port: 2222,
  });
  assert.equal(formatHostToken(parseHostToken("u@[2001:db8::1]:2222")), "u@[2001:db8::1]:2222");
  assert.deepEqual(parseJumpChain("none"), []);
  assert.deepEqual(parseJumpChain("a, ssh://u@b:2"), [{
    user: undefined,
    host: "a",
    port: undefined,
  }, {
    user: "u",
    host: "b",
    port: 2,
  }]);
  assert.throws(() => parseHostToken("[::1"), /expected \[address\]:port/);
  assert.throws(() => parseHostToken("u@"), /host name is empty/);
  assert.throws(() => parseHostToken("h:"), RangeError);
});

Deno.test("HostResolver.resolveTarget() reports bad ssh_config values as warnings and keeps going", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/config`,
      "Host h\n  IdentityFile ~/%z\n  IdentityFile ~/ok\n  Port http\n  User -bad\n  ConnectTimeout soon\n" +
        "  IdentitiesOnly maybe\n  StrictHostKeyChecking sometimes\n  UserKnownHostsFile ${NOPE}/kh\n",
    );
    const t = new HostResolver({
      sshConfigPath: `${dir}/config`,
      inventoryPath: "",
      home: "/home/lu",
      env: {},
      localUser: "lu",
    })
      .resolveTarget("h");
    assert.deepEqual(t.identityFiles, ["/home/lu/ok"]);
    assert.equal(t.port, 22);
    assert.equal(t.user, "lu");
    assert.equal(t.connectTimeout, 10);
    assert.equal(t.knownHostsMode, "accept-new");
    assert.deepEqual(t.userKnownHostsFiles, []);
    const w = t.warnings.join("\n");
    for (
      const re of [
        /%z/,
        /Port ignored/,
        /User "-bad" ignored/,
        /connecttimeout soon/,
        /identitiesonly maybe/,
        /sometimes/,
        /NOPE/,
      ]
    ) {
      assert.match(w, re);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
