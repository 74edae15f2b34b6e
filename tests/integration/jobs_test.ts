/** Background jobs end to end through the real stdio server: window, follow, page, kill, cancel, progress. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { pidsMatching } from "../helpers/proc.ts";
import { integrationTest, readAudit, startStdio, textOf, waitFor } from "../helpers/server.ts";

const FILL = "x".repeat(600);

/** What the 20 s job prints: one 610-byte line a second. */
function expected20(): string {
  let s = "";
  for (let i = 1; i <= 20; i++) s += `tick ${String(i).padStart(2, "0")} ${FILL}\n`;
  return s;
}

integrationTest(
  "a 20 s job with a 2 s window: running, followed with cursor reads to its exit, paged from the spool",
  async () => {
    // A 4 KiB ring buffer: most of the 12 KB output leaves it, so paging must use the spool.
    const s = await startStdio("v2", { RELAY_SHELL_SESSION_BUFFER_BYTES: "4096" });
    try {
      const command = `for i in $(seq 1 20); do printf 'tick %02d %s\\n' $i ${FILL}; sleep 1; done`;
      const started = performance.now();
      const r = await s.client.callTool({ name: "shell_exec", arguments: { command, wait: 2 } });
      const sc = r.structuredContent!;
      assert.equal(sc.state, "running", textOf(r));
      assert.ok(performance.now() - started < 10_000, "the call returned at the window");
      const id = sc.session_id as string;
      assert.match(id, /^job-/);
      assert.equal(sc.exit_code, null);
      assert.match(textOf(r), /session_recv/);
      assert.match(String(sc.output), /^tick 01 /);
      const list = await s.client.callTool({ name: "session_list", arguments: {} });
      assert.match(textOf(list), new RegExp(`"id":"${id}","kind":"job"`));

      // Follow with cursor reads until the job exits.
      let cursor = sc.output_bytes as number;
      let followed = String(sc.output);
      let state = "running";
      let reads = 0;
      while (state === "running") {
        const f = await s.client.callTool({
          name: "session_recv",
          arguments: { session_id: id, cursor, timeout: 10, max_bytes: 100_000 },
        });
        const fc = f.structuredContent!;
        assert.equal(fc.cursor_start, cursor, "no byte skipped or repeated");
        followed += String(fc.data);
        cursor = fc.cursor_end as number;
        state = fc.state as string;
        reads++;
      }
      const all = expected20();
      assert.ok(reads >= 3, `followed in ${reads} reads`);
      assert.equal(followed, all, "following reconstructs the whole output");

      // Page after the exit, from cursors older than the ring buffer.
      const p0 = await s.client.callTool({
        name: "session_recv",
        arguments: { session_id: id, cursor: 0, max_bytes: 1000 },
      });
      assert.equal(p0.structuredContent!.cursor_start, 0);
      assert.equal(p0.structuredContent!.dropped_bytes, 0, "the spool still has byte 0");
      assert.equal(p0.structuredContent!.data, all.slice(0, 1000));
      const mid = await s.client.callTool({
        name: "session_recv",
        arguments: { session_id: id, cursor: 5000, max_bytes: 610, format: "raw" },
      });
      assert.equal(mid.structuredContent!.data, all.slice(5000, 5610));

      // One job_end record with the SHA-256 of every byte.
      await waitFor(
        async () => (await readAudit(s.state.auditPath)).some((a) => a.action === "job_end"),
        5000,
        "job_end",
      );
      const audit = await readAudit(s.state.auditPath);
      const end = audit.filter((a) => a.action === "job_end");
      assert.equal(end.length, 1);
      assert.equal(end[0].tool, "shell_exec");
      assert.equal(end[0].exit_code, 0);
      assert.equal(end[0].output_len, all.length);
      assert.equal(end[0].output_sha256, createHash("sha256").update(all).digest("hex"));
      assert.equal(end[0].session_id, id);
      assert.ok(
        String((end[0].args as Record<string, unknown>).command).startsWith(command.slice(0, 60)),
      );
      const call = audit.find((a) => a.tool === "shell_exec" && a.action === undefined)!;
      assert.equal(call.state, "running");
      const spool = `${s.state.dir}/jobs/${id}.out`;
      assert.equal(Deno.statSync(spool).mode! & 0o777, 0o600);
      assert.equal(Deno.statSync(`${s.state.dir}/jobs`).mode! & 0o777, 0o700);
      assert.equal(Deno.readTextFileSync(spool), all);
    } finally {
      await s.close();
    }
  },
);

integrationTest("session_kill on a background job kills its whole process tree", async () => {
  const s = await startStdio();
  try {
    const marker = `sleep ${6_000_000 + Math.floor(Math.random() * 999_999)}`;
    const r = await s.client.callTool({
      name: "shell_exec",
      arguments: {
        command: `(${marker}; true) & sh -c '${marker}; true' & ${marker}`,
        background: true,
      },
    });
    assert.equal(r.structuredContent!.state, "running", textOf(r));
    assert.equal(r.structuredContent!.output, "");
    await waitFor(() => pidsMatching(marker).length >= 3, 5000, "the tree");
    const k = await s.client.callTool({
      name: "session_kill",
      arguments: { session_id: r.structuredContent!.session_id },
    });
    assert.equal(k.structuredContent!.closed, true);
    await waitFor(() => pidsMatching(marker).length === 0, 5000, "no process to survive");
    await waitFor(
      async () => (await readAudit(s.state.auditPath)).some((a) => a.action === "job_end"),
      5000,
      "job_end",
    );
    const end = (await readAudit(s.state.auditPath)).find((a) => a.action === "job_end")!;
    assert.equal(end.killed, true);
  } finally {
    await s.close();
  }
});

integrationTest(
  "a cancelled foreground shell_exec kills its process; progress arrives while it waits",
  async () => {
    const s = await startStdio();
    try {
      const marker = `sleep ${7_000_000 + Math.floor(Math.random() * 999_999)}`;
      const ctl = new AbortController();
      const progress: { progress: number; message?: string }[] = [];
      const call = s.client.callTool(
        { name: "shell_exec", arguments: { command: `echo waiting here; ${marker}` } },
        {
          signal: ctl.signal,
          onprogress: (p) => progress.push(p as { progress: number; message?: string }),
        },
      ).catch((e) => e);
      await waitFor(() => progress.length >= 2, 10_000, "two progress notifications");
      assert.ok(pidsMatching(marker).length >= 1);
      ctl.abort();
      await call;
      await waitFor(() => pidsMatching(marker).length === 0, 5000, "the process to be killed");
      assert.ok(progress[1].progress > progress[0].progress, "progress strictly increases");
      assert.match(
        progress[0].message ?? JSON.stringify(progress),
        /13 bytes of output so far; last line: waiting here/,
      );
    } finally {
      await s.close();
    }
  },
);
