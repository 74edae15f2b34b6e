import assert from "node:assert/strict";
import fc from "fast-check";
import { compilePolicyPattern, hostPolicyForms, parseIPv4Loose } from "../../lib/policy/mod.ts";

Deno.test("hostPolicyForms() keeps a canonical address as the only form", () => {
  assert.deepEqual(hostPolicyForms("127.0.0.1"), ["127.0.0.1"]);
  assert.deepEqual(hostPolicyForms("::1"), ["::1"]);
  assert.deepEqual(hostPolicyForms("example.com"), ["example.com"]);
});

Deno.test("hostPolicyForms() adds the dotted quad for inet_aton spellings", () => {
  for (
    const host of [
      "2130706433",
      "0x7f000001",
      "0177.0.0.1",
      "127.1",
      "0x7f.1",
      "127.0.1",
      "0x7f.0.0.01",
    ]
  ) {
    assert.deepEqual(hostPolicyForms(host), [host, "127.0.0.1"], host);
  }
  assert.deepEqual(hostPolicyForms("10.1"), ["10.1", "10.0.0.1"]);
});

Deno.test("hostPolicyForms() leaves non-addresses and out-of-range numbers alone", () => {
  assert.deepEqual(hostPolicyForms("22"), ["22"], "small integers look like ports, not hosts");
  assert.deepEqual(hostPolicyForms("99999999999"), ["99999999999"]);
  assert.deepEqual(hostPolicyForms("256.1.1.1"), ["256.1.1.1"]);
  assert.deepEqual(hostPolicyForms("1.2.3.4.5"), ["1.2.3.4.5"]);
  assert.deepEqual(hostPolicyForms("08.1.1.1"), ["08.1.1.1"], "8 is not an octal digit");
  assert.deepEqual(hostPolicyForms("db-1.internal"), ["db-1.internal"]);
});

Deno.test("hostPolicyForms() canonicalises IPv6 and exposes embedded IPv4", () => {
  assert.deepEqual(hostPolicyForms("0:0:0:0:0:0:0:1"), ["0:0:0:0:0:0:0:1", "::1"]);
  assert.deepEqual(hostPolicyForms("2001:DB8:0:0:0:0:0:1"), [
    "2001:DB8:0:0:0:0:0:1",
    "2001:db8:0:0:0:0:0:1",
    "2001:db8::1",
  ]);
  assert.deepEqual(hostPolicyForms("::ffff:127.0.0.1"), [
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "127.0.0.1",
  ]);
  assert.deepEqual(hostPolicyForms("::ffff:7f00:1"), ["::ffff:7f00:1", "127.0.0.1"]);
  assert.deepEqual(hostPolicyForms("64:ff9b::a00:1"), ["64:ff9b::a00:1", "10.0.0.1"]);
  assert.deepEqual(hostPolicyForms("fe80::1%eth0"), ["fe80::1%eth0", "fe80::1"]);
});

Deno.test("hostPolicyForms() understands user@host, [v6]:port and v4:port", () => {
  assert.deepEqual(hostPolicyForms("root@2130706433"), [
    "root@2130706433",
    "2130706433",
    "127.0.0.1",
  ]);
  assert.deepEqual(hostPolicyForms("[::1]:2222"), ["[::1]:2222", "::1"]);
  assert.deepEqual(hostPolicyForms("127.1:22"), ["127.1:22", "127.1", "127.0.0.1"]);
  assert.deepEqual(hostPolicyForms("WEB01"), ["WEB01", "web01"]);
});

Deno.test("hostPolicyForms() lets a deny rule on one spelling catch the others", () => {
  const deny = compilePolicyPattern("(^|\\s)127\\.0\\.0\\.1(\\s|$)", "RELAY_SHELL_POLICY_DENY")!;
  for (const host of ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "::ffff:127.0.0.1"]) {
    assert.equal(deny.test(`ssh_exec uptime\n${hostPolicyForms(host).join(" ")}`), true, host);
  }
});

Deno.test("parseIPv4Loose() agrees with the integer value of every 32-bit address", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
      const dotted = [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
      assert.equal(parseIPv4Loose(String(n)), dotted);
      assert.equal(parseIPv4Loose("0x" + n.toString(16)), dotted);
      assert.equal(parseIPv4Loose(dotted), dotted);
      if (n > 65535) assert.ok(hostPolicyForms(String(n)).includes(dotted));
    }),
  );
});
