import assert from "node:assert/strict";
import {
  compilePolicyPattern,
  Policy,
  type PolicyMode,
  type PolicyOptions,
  PROBE_MATCH_LIMIT,
  PROBE_PREVIEW_LENGTH,
  Tier,
} from "../../lib/policy/mod.ts";
import { classifier } from "./_helpers.ts";

function policy(mode: PolicyMode, deny = "", allow = ""): Policy {
  const options: PolicyOptions = {
    mode,
    deny: compilePolicyPattern(deny, "RELAY_SHELL_POLICY_DENY"),
    allow: compilePolicyPattern(allow, "RELAY_SHELL_POLICY_ALLOW"),
    classifier,
  };
  return new Policy(options);
}

const exec = (command: string, extra: { subjects?: string[] } = {}) => ({
  tool: "shell_exec",
  baseTier: Tier.REVERSIBLE,
  commands: [command],
  ...extra,
});

Deno.test("Policy.evaluate() applies the deny rule first in every mode, even to Tier-0 tools", () => {
  for (const mode of ["open", "guarded", "readonly"] as const) {
    const p = policy(mode, "^ssh_keyscan|curl");
    const keyscan = p.evaluate({
      tool: "ssh_keyscan",
      baseTier: Tier.READ_ONLY,
      readOnly: true,
      subjects: ["h"],
    });
    assert.deepEqual(keyscan, {
      allowed: false,
      tier: 0,
      reason: "matched RELAY_SHELL_POLICY_DENY",
      reasons: [],
      probe: "ssh_keyscan h",
    });
    const d = p.evaluate(exec("curl https://example.com"));
    assert.equal(d.allowed, false, mode);
    assert.equal(d.reason, "matched RELAY_SHELL_POLICY_DENY");
  }
});

Deno.test("Policy.evaluate() in readonly mode refuses any tier but 0", () => {
  const p = policy("readonly");
  assert.equal(p.mode, "readonly");
  assert.equal(
    p.evaluate({ tool: "server_info", baseTier: Tier.READ_ONLY, readOnly: true }).allowed,
    true,
  );
  const d = p.evaluate(exec("ls"));
  assert.equal(d.allowed, false);
  assert.equal(d.tier, 1);
  assert.equal(d.reason, "readonly mode refuses tier 1 (REVERSIBLE)");
});

Deno.test("Policy.evaluate() in guarded mode refuses tier 2 and 3 without an ALLOW match", () => {
  const p = policy("guarded", "", "^shell_exec systemctl restart nginx$");
  assert.equal(p.evaluate(exec("ls -la")).allowed, true);
  const refused = p.evaluate(exec("systemctl restart postgres"));
  assert.equal(refused.allowed, false);
  assert.equal(refused.tier, 2);
  assert.equal(
    refused.reason,
    "guarded mode refuses tier 2 (STATEFUL) without a RELAY_SHELL_POLICY_ALLOW match",
  );
  assert.deepEqual(refused.reasons, ["systemctl restart (changes service state)"]);
  const allowed = p.evaluate(exec("systemctl restart nginx"));
  assert.deepEqual({ allowed: allowed.allowed, tier: allowed.tier, reason: allowed.reason }, {
    allowed: true,
    tier: 2,
    reason: "",
  });
  const three = policy("guarded").evaluate(exec("rm -rf /srv/data"));
  assert.equal(
    three.reason,
    "guarded mode refuses tier 3 (IRREVERSIBLE) without a RELAY_SHELL_POLICY_ALLOW match",
  );
  assert.equal(
    policy("guarded", "", "rm -rf /srv/data").evaluate(exec("rm -rf /srv/data")).allowed,
    true,
  );
});

Deno.test("Policy.evaluate() in open mode allows every tier", () => {
  const d = policy("open").evaluate(exec("rm -rf /"));
  assert.equal(d.allowed, true);
  assert.equal(d.tier, 3);
  assert.equal(d.reason, "");
});

Deno.test("Policy.evaluate() takes the maximum of the base tier and every command", () => {
  const p = policy("open");
  const d = p.evaluate({
    tool: "shell_exec",
    baseTier: Tier.REVERSIBLE,
    commands: ["ls", "sudo ls", "ls"],
  });
  assert.equal(d.tier, 2);
  assert.deepEqual(d.reasons, ["privilege escalation (sudo)"]);
  assert.equal(
    p.evaluate({ tool: "ssh_upload", baseTier: Tier.STATEFUL, commands: ["ls"] }).tier,
    2,
  );
  const ro = p.evaluate({
    tool: "session_recv",
    baseTier: Tier.READ_ONLY,
    readOnly: true,
    commands: ["rm -rf /"],
  });
  assert.deepEqual({ tier: ro.tier, reasons: ro.reasons }, { tier: 0, reasons: [] });
});

Deno.test("Policy.evaluate() shows subjects to the rules but not to the classifier", () => {
  const d = policy("guarded", "prod-db").evaluate(
    exec("uptime", { subjects: ["reboot", "prod-db"] }),
  );
  assert.equal(d.tier, 1);
  assert.equal(d.allowed, false);
  assert.equal(d.reason, "matched RELAY_SHELL_POLICY_DENY");
  assert.equal(d.probe, "shell_exec uptime\nreboot\nprod-db");
});

Deno.test("Policy.evaluate() builds the probe from the tool, commands and subjects", () => {
  const p = policy("open");
  assert.equal(
    p.evaluate({ tool: "server_info", baseTier: Tier.READ_ONLY, readOnly: true }).probe,
    "server_info",
  );
  assert.equal(
    p.evaluate({
      tool: "ssh_exec",
      baseTier: Tier.REVERSIBLE,
      commands: ["ls"],
      subjects: ["web1"],
    }).probe,
    "ssh_exec ls\nweb1",
  );
});

Deno.test("Policy.evaluate() bounds the returned probe but tests the rules on all of it", () => {
  const padding = " ".repeat(PROBE_PREVIEW_LENGTH + 10);
  const p = policy("open", "forbidden-host");
  const d = p.evaluate(exec("ls", { subjects: [padding + "forbidden-host"] }));
  assert.equal(d.allowed, false, "padding must not hide text from the deny rule");
  assert.equal(d.probe.length, PROBE_PREVIEW_LENGTH);
  const huge = p.evaluate(exec("ls", { subjects: ["x".repeat(PROBE_MATCH_LIMIT)] }));
  assert.equal(huge.allowed, false);
  assert.equal(huge.reason, "request too large to check against RELAY_SHELL_POLICY_DENY");
  assert.equal(
    policy("open").evaluate(exec("ls", { subjects: ["x".repeat(PROBE_MATCH_LIMIT)] })).allowed,
    true,
  );
});

Deno.test("new Policy() rejects an unknown mode", () => {
  assert.throws(
    () => new Policy({ mode: "lenient" as PolicyMode, classifier }),
    { name: "TypeError", message: "mode: expected one of open, guarded, readonly, got lenient" },
  );
});
