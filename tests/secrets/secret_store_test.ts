import assert from "node:assert/strict";
import { Redactor } from "../../lib/redact/mod.ts";
import { parseScope, SecretStore, weakValueReason } from "../../lib/secrets/mod.ts";

const ENV = `# comment
export API_TOKEN=tok_9f8e7d6c5b4a
DB_URL="postgres://app:pa55-w0rd-x@db/app" # trailing comment
MULTI="line one
line two"
SHORT=abc12
HOST=localhost
FLAG=true
SUDO_PASSWORD='sudo-pass-123'
RELAY_SHELL_MAX_OUTPUT=999999
bad-name=whatever-long
`;

function store(sudoPassword?: string) {
  const redactor = new Redactor();
  return { redactor, store: new SecretStore({ redactor, sudoPassword }) };
}

Deno.test("SecretStore.loadText() returns names, refuses weak values and bad names with reasons", () => {
  const { store: s, redactor } = store();
  const r = s.loadText(ENV, { source: "/x/.env" });
  assert.deepEqual(r.names, ["API_TOKEN", "DB_URL", "MULTI", "SUDO_PASSWORD"]);
  const refused = Object.fromEntries(r.refused.map((x) => [x.name, x.reason]));
  assert.match(refused.SHORT, /shorter than 6 characters/);
  assert.match(refused.HOST, /common word/);
  assert.match(refused.FLAG, /shorter than 6|common word/);
  assert.match(refused.RELAY_SHELL_MAX_OUTPUT, /configure the server/);
  assert.equal(r.scope, "all");
  assert.equal(redactor.size, 4, "only accepted values are registered");
  const text = "token tok_9f8e7d6c5b4a, url postgres://app:pa55-w0rd-x@db/app, line one\nline two";
  assert.equal(
    redactor.redactLiterals(text),
    "token [REDACTED], url [REDACTED], [REDACTED]",
  );
  assert.equal(redactor.redactLiterals("localhost abc12 true"), "localhost abc12 true");
});

Deno.test("SecretStore.envFor() merges all < host < session and never exports SUDO_PASSWORD", () => {
  const { store: s } = store();
  s.loadText("A=all-value-1\nB=all-value-2\nSUDO_PASSWORD=sudo-all-1", { source: "a" });
  s.loadText("B=host-value-2\nSUDO_PASSWORD=sudo-host-1", { source: "h", scope: "host:web1" });
  s.loadText("B=sess-value-2", { source: "s", scope: "session:sh-abc" });
  assert.deepEqual(s.envFor(), { A: "all-value-1", B: "all-value-2" });
  assert.deepEqual(s.envFor({ host: "web1" }), { A: "all-value-1", B: "host-value-2" });
  assert.deepEqual(s.envFor({ sessionId: "sh-abc" }), { A: "all-value-1", B: "sess-value-2" });
  assert.deepEqual(s.envFor({ host: "web2" }), { A: "all-value-1", B: "all-value-2" });
  assert.equal(s.sudoPassword(), "sudo-all-1");
  assert.equal(s.sudoPassword({ host: "web1" }), "sudo-host-1");
  assert.deepEqual(s.envOfScope(parseScope("host:web1")), { B: "host-value-2" });
});

Deno.test("SecretStore.sudoPassword() falls back to the configured local password, never for a host", () => {
  const { store: s, redactor } = store("configured-sudo-pw");
  assert.equal(s.sudoPassword(), "configured-sudo-pw");
  assert.equal(s.sudoPassword({ host: "web1" }), null);
  assert.equal(redactor.redactLiterals("x configured-sudo-pw y"), "x [REDACTED] y");
  s.loadText("SUDO_PASSWORD=loaded-sudo-pw", { source: "f" });
  assert.equal(s.sudoPassword(), "loaded-sudo-pw", "a loaded secret wins");
});

Deno.test("SecretStore.list() shows names, scopes and files only; clear() keeps values redacted", () => {
  const { store: s, redactor } = store();
  s.loadText("A=all-value-1\nB=all-value-2", { source: "/a/.env" });
  s.loadText("A=sess-value-1", { source: "/s/.env", scope: "session:sh-1" });
  assert.deepEqual(s.list(), [
    { name: "A", scope: "all", source: "/a/.env" },
    { name: "B", scope: "all", source: "/a/.env" },
    { name: "A", scope: "session:sh-1", source: "/s/.env" },
  ]);
  assert.ok(!JSON.stringify(s.list()).includes("value"));
  assert.deepEqual(s.clear(["A"]).map((x) => x.scope), ["all", "session:sh-1"]);
  assert.deepEqual(s.envFor({ sessionId: "sh-1" }), { B: "all-value-2" });
  assert.equal(redactor.redactLiterals("all-value-1"), "[REDACTED]", "still redacted");
  s.clear();
  assert.equal(s.size, 0);
});

Deno.test("SecretStore.load() reads a file; bad paths and scopes are TypeErrors naming the argument", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { store: s } = store();
    await Deno.writeTextFile(`${dir}/.env`, "TOKEN=file-token-123\n");
    const r = await s.load(`${dir}/.env`, { scope: "host:db1" });
    assert.deepEqual(r.names, ["TOKEN"]);
    assert.equal(r.source, `${dir}/.env`);
    await assert.rejects(() => s.load(`${dir}/missing`), /path: cannot read/);
    await assert.rejects(() => s.load(dir), /path: .* is not a regular file/);
    assert.throws(() => parseScope("everything"), /scope: "everything" is not a scope/);
    assert.deepEqual(parseScope("session:job-1a2b"), { kind: "session", id: "job-1a2b" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("weakValueReason() accepts real secrets and refuses short, empty and everyday values", () => {
  assert.equal(weakValueReason("s3cr3t-T0ken"), null);
  assert.match(weakValueReason("")!, /empty/);
  assert.match(weakValueReason("12345")!, /shorter/);
  assert.match(weakValueReason("  Password ")!, /common word/);
  assert.match(weakValueReason("changeme")!, /common word/);
});
