/**
 * The real server started as the README starts it (`deno task start`), driven over stdio by both
 * SDK client lines and both protocol eras.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { verifyAuditFile } from "../../lib/audit/mod.ts";
import { peakRss, pidAlive, pidsMatching } from "../helpers/proc.ts";
import {
  type ClientKind,
  integrationTest,
  readAudit,
  startStdio,
  textOf,
  waitFor,
} from "../helpers/server.ts";

for (const kind of ["v2", "v1", "v2-modern"] as ClientKind[]) {
  integrationTest(`stdio server answers a ${kind} client: tools/list and shell_exec`, async () => {
    const s = await startStdio(kind);
    try {
      const { tools } = await s.client.listTools();
      const names = tools.map((t) => t.name);
      for (const n of ["shell_exec", "shell_script", "server_info", "audit_tail"]) {
        assert.ok(names.includes(n), n);
      }
      const r = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "echo hello; exit 3" },
      });
      assert.equal(textOf(r), "[exit 3]\nhello\n");
      assert.equal(r.structuredContent?.exit_code, 3);
      assert.equal(r.structuredContent?.output, "hello\n");
      assert.equal(
        r.structuredContent?.output_sha256,
        createHash("sha256").update("hello\n").digest("hex"),
      );
      const audit = await readAudit(s.state.auditPath);
      const rec = audit.find((a) => a.tool === "shell_exec")!;
      assert.equal(rec.exit_code, 3);
      assert.equal(rec.output_sha256, r.structuredContent?.output_sha256);
      assert.ok(
        !JSON.stringify(audit).includes("hello\\n"),
        "the audit line never holds the output",
      );
    } finally {
      await s.close();
    }
  });
}

integrationTest(
  "stdio server: a timeout kills grandchildren and keeps partial output",
  async () => {
    const s = await startStdio();
    try {
      const r = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "echo started; sleep 300 & echo $!; sleep 300", timeout: 1 },
      });
      const sc = r.structuredContent!;
      assert.equal(sc.timed_out, true);
      const [first, pid] = String(sc.output).trim().split("\n");
      assert.equal(first, "started");
      await waitFor(() => !pidAlive(Number(pid)), 5000, "grandchild to die");
      assert.match(textOf(r), /^\[timeout after 1s; process group killed \(SIGTERM\)\]\nstarted\n/);
    } finally {
      await s.close();
    }
  },
);

integrationTest(
  "stdio server: 100 MB of output stays in bounded memory and hashes like sha256sum",
  async () => {
    const s = await startStdio();
    try {
      const pid = s.pid!;
      // The server process is a child of `deno task`; find the deno process that runs main.ts.
      const server = pidsMatching("main.ts").find((p) => p !== pid) ?? pid;
      // Warm the server up first: its first calls grow the V8 heap and JIT code by tens of MB
      // whatever the output size; what must not happen is growth with the output itself.
      for (let i = 0; i < 20; i++) {
        await s.client.callTool({
          name: "shell_exec",
          arguments: { command: `echo ${i}` },
        });
      }
      await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "head -c 10000000 /dev/zero", max_output: 4096 },
      });
      const before = peakRss(server)!;
      const r = await s.client.callTool({
        name: "shell_exec",
        arguments: {
          command: "head -c 100000000 /dev/zero | tr '\\0' 'x'",
          max_output: 4096,
          timeout: 120,
        },
      }, { timeout: 120_000 });
      const sc = r.structuredContent!;
      assert.equal(sc.output_bytes, 100_000_000);
      assert.equal(sc.truncated, true);
      const want = new TextDecoder().decode(
        (await new Deno.Command("sh", {
          args: ["-c", "head -c 100000000 /dev/zero | tr '\\0' 'x' | sha256sum"],
        }).output())
          .stdout,
      ).split(" ")[0];
      assert.equal(sc.output_sha256, want);
      const after = peakRss(server)!;
      assert.ok(
        after - before < 24 * 1024 * 1024,
        `peak RSS grew by ${(after - before) >> 20} MiB for 100 MB of output`,
      );
    } finally {
      await s.close();
    }
  },
);

integrationTest("stdio server: a cancelled call kills its process", async () => {
  const s = await startStdio();
  try {
    const marker = `rs-cancel-${crypto.randomUUID().slice(0, 8)}`;
    const ac = new AbortController();
    const call = s.client.callTool(
      {
        name: "shell_exec",
        arguments: { command: `exec bash -c 'exec -a ${marker} sleep 300'`, timeout: 600 },
      },
      { signal: ac.signal, timeout: 600_000 },
    ).catch((e) => e);
    await waitFor(() => pidsMatching(marker).length > 0, 10_000, "the sleep to start");
    const [pid] = pidsMatching(marker);
    ac.abort();
    assert.ok((await call) instanceof Error, "the client sees its own cancellation");
    await waitFor(() => !pidAlive(pid), 10_000, "the cancelled process to die");
  } finally {
    await s.close();
  }
});

integrationTest(
  "stdio server: 200 concurrent calls leave 200 valid chained audit lines",
  async () => {
    const s = await startStdio();
    try {
      const calls = Array.from(
        { length: 200 },
        (_, i) => s.client.callTool({ name: "shell_exec", arguments: { command: `echo ${i}` } }),
      );
      const results = await Promise.all(calls);
      results.forEach((r, i) => assert.equal(r.structuredContent?.output, `${i}\n`));
      const audit = (await readAudit(s.state.auditPath)).filter((a) => a.tool === "shell_exec");
      assert.equal(audit.length, 200);
      const v = await verifyAuditFile(s.state.auditPath);
      assert.equal(v.ok, true, v.reason);
    } finally {
      await s.close();
    }
  },
);

integrationTest("stdio server: shutdown on stdin close kills what calls left behind", async () => {
  const s = await startStdio();
  const marker = `rs-left-${crypto.randomUUID().slice(0, 8)}`;
  await s.client.callTool({
    name: "shell_exec",
    arguments: { command: `bash -c 'exec -a ${marker} sleep 300' >/dev/null 2>&1 &` },
  });
  await waitFor(() => pidsMatching(marker).length > 0, 5000, "the detached sleep");
  const [pid] = pidsMatching(marker);
  await s.close();
  await waitFor(() => !pidAlive(pid), 10_000, "the leftover process to be killed at shutdown");
});

integrationTest(
  "stdio server: invalid arguments and policy refusals are error results, audited",
  async () => {
    const s = await startStdio("v2", {
      RELAY_SHELL_POLICY_MODE: "guarded",
      RELAY_SHELL_POLICY_DENY: "shutdown",
    });
    try {
      const bad = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "ls", timeout: "soon" },
      });
      assert.equal(bad.isError, true);
      assert.match(textOf(bad), /Invalid arguments for shell_exec: timeout: expected number/);
      const denied = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "sudo apt-get install x" },
      });
      assert.equal(denied.isError, true);
      assert.match(textOf(denied), /^\[DENIED tier 2 \(STATEFUL\): guarded mode refuses/);
      const deny = await s.client.callTool({
        name: "shell_exec",
        arguments: { command: "echo shutdown" },
      });
      assert.match(textOf(deny), /matched RELAY_SHELL_POLICY_DENY/);
      const audit = await readAudit(s.state.auditPath);
      assert.equal(audit.filter((a) => a.denied === true).length, 2);
      assert.equal(audit.filter((a) => a.error === "invalid_arguments").length, 1);
    } finally {
      await s.close();
    }
  },
);

integrationTest("stdio server: Tier-3 confirmation plans, arms and runs once", async () => {
  const s = await startStdio("v2", { RELAY_SHELL_CONFIRM_TIER3: "true" });
  const dir = await Deno.makeTempDir();
  try {
    const args = { command: `rm -rf ${dir}` };
    const plan = await s.client.callTool({ name: "shell_exec", arguments: args });
    assert.equal(plan.isError, true);
    const token = /token="([^"]+)"/.exec(textOf(plan))![1];
    assert.ok(await Deno.stat(dir), "nothing ran");
    const armed = await s.client.callTool({ name: "operation_confirm", arguments: { token } });
    assert.equal(armed.structuredContent?.armed, true);
    const other = await s.client.callTool({
      name: "shell_exec",
      arguments: { command: `rm -rf ${dir}/x` },
    });
    assert.equal(other.isError, true, "a different call does not use the token");
    const run = await s.client.callTool({ name: "shell_exec", arguments: args });
    assert.equal(run.structuredContent?.exit_code, 0);
    await assert.rejects(() => Deno.stat(dir));
    const audit = await readAudit(s.state.auditPath);
    assert.ok(audit.some((a) => a.action === "confirm_plan"));
    assert.ok(audit.some((a) => a.action === "confirm_execute"));
    assert.ok(!JSON.stringify(audit).includes(token), "the raw token is never logged");
  } finally {
    await s.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

integrationTest(
  "stdio server: server_info reports limits, audit head and granted permissions",
  async () => {
    const s = await startStdio();
    try {
      await s.client.callTool({ name: "shell_exec", arguments: { command: "true" } });
      const r = await s.client.callTool({ name: "server_info", arguments: {} });
      const sc = r.structuredContent!;
      assert.equal(sc.transport, "stdio");
      assert.equal(sc.policy_mode, "open");
      assert.deepEqual((sc.limits as Record<string, number>).max_timeout, 900);
      const audit = sc.audit as Record<string, unknown>;
      assert.equal(audit.path, s.state.auditPath);
      assert.equal(audit.degraded, false);
      assert.equal(audit.head_seq, 0);
      const perms = (sc.deno as Record<string, Record<string, string>>).permissions;
      assert.equal(perms.run, "granted");
      assert.equal(perms.import, "prompt");
      assert.ok(
        Array.isArray(sc.protocol_versions) &&
          (sc.protocol_versions as string[]).includes("2025-06-18"),
      );
    } finally {
      await s.close();
    }
  },
);
