import assert from "node:assert/strict";
import { ROOT } from "./helpers/server.ts";

Deno.test("the relay-shell permission set refuses operations outside the grant with NotCapable", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=relay-shell", "--no-prompt", "tests/fixtures/permission_probe.ts"],
    cwd: ROOT,
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(stdout.trim().split("\n").at(-1)!);
  // Granted: what the server needs.
  for (const k of ["ffi_libc", "sys_hostname", "run", "read"]) {
    assert.equal(r[k].ok, true, `${k}: ${r[k].error}`);
  }
  // Outside the grant: refused, and the error says which permission.
  assert.equal(r.ffi_other.ok, false);
  assert.match(
    r.ffi_other.error,
    /NotCapable: Requires ffi access to "\/lib\/x86_64-linux-gnu\/libm\.so\.6"/,
  );
  assert.equal(r.sys_network_interfaces.ok, false);
  assert.match(
    r.sys_network_interfaces.error,
    /NotCapable: Requires sys access to "networkInterfaces"/,
  );
  assert.equal(r.import_remote.ok, false);
  assert.match(r.import_remote.error, /Requires import access to "example\.com:443"/);
});
