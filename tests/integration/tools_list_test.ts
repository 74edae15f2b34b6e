/** The live tools/list: its size budget, toolset filtering, annotations, and docs/tools.md. */
import assert from "node:assert/strict";
import { integrationTest, startStdio } from "../helpers/server.ts";

integrationTest("tools/list with every tool group stays under 16 KB (size printed)", async () => {
  const s = await startStdio("v2", { RELAY_SHELL_CONFIRM_TIER3: "true" });
  try {
    const { tools } = await s.client.listTools();
    const bytes = new TextEncoder().encode(JSON.stringify({ tools })).length;
    // deno-lint-ignore no-console
    console.log(`tools/list: ${tools.length} tools, ${bytes} bytes`);
    assert.ok(bytes < 16 * 1024, `tools/list is ${bytes} bytes`);
    const names = tools.map((t) => t.name);
    assert.deepEqual([...names].sort(), [...new Set(names)].sort(), "names are unique");
    for (const t of tools) {
      assert.match(t.name, /^[a-z]+_[a-z_]+$/);
      assert.ok(
        typeof t.title === "string" && (t.title as string).length > 0,
        `${t.name} has a title`,
      );
      assert.ok((t.description as string).length <= 200, `${t.name} description is short`);
      assert.equal((t.inputSchema as Record<string, unknown>).type, "object");
      assert.equal((t.outputSchema as Record<string, unknown>).type, "object");
      assert.ok(t.annotations, `${t.name} has annotations`);
    }
  } finally {
    await s.close();
  }
});

integrationTest("RELAY_SHELL_TOOLSETS exposes only the chosen groups", async () => {
  const s = await startStdio("v2", { RELAY_SHELL_TOOLSETS: "admin" });
  try {
    const names = (await s.client.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(names, ["audit_tail", "server_info"]);
    const r = await s.client.callTool({ name: "shell_exec", arguments: { command: "true" } }).catch(
      (e) => e,
    );
    assert.ok(
      r instanceof Error && /shell_exec not found/.test(r.message),
      "a hidden tool cannot be called",
    );
  } finally {
    await s.close();
  }
});

integrationTest(
  "annotations follow the tier: read-only tools say so, local tools are closed-world",
  async () => {
    const s = await startStdio();
    try {
      const byName = Object.fromEntries((await s.client.listTools()).tools.map((t) => [t.name, t]));
      assert.deepEqual(byName.server_info.annotations, {
        readOnlyHint: true,
        openWorldHint: false,
      });
      assert.deepEqual(
        byName.shell_exec.annotations,
        { openWorldHint: false },
        "exec: destructive (the default)",
      );
      assert.equal((byName.session_recv.annotations as Record<string, boolean>).readOnlyHint, true);
    } finally {
      await s.close();
    }
  },
);

integrationTest("docs/tools.md documents exactly the live tools and every argument", async () => {
  const s = await startStdio("v2", { RELAY_SHELL_CONFIRM_TIER3: "true" });
  try {
    const { tools } = await s.client.listTools();
    const doc = await Deno.readTextFile(new URL("../../docs/tools.md", import.meta.url));
    const sections = new Map<string, string>();
    for (const part of doc.split(/^### /m).slice(1)) {
      const name = part.split("\n")[0].replace(/`/g, "").trim();
      sections.set(name, part);
    }
    const live = tools.map((t) => t.name).sort();
    assert.deepEqual([...sections.keys()].filter((n) => /^[a-z]+_[a-z_]+$/.test(n)).sort(), live);
    for (const t of tools) {
      const props = Object.keys(
        ((t.inputSchema as Record<string, unknown>).properties ?? {}) as object,
      );
      for (const p of props) {
        assert.ok(
          sections.get(t.name)!.includes(`\`${p}\``),
          `docs/tools.md ${t.name} lacks argument ${p}`,
        );
      }
    }
  } finally {
    await s.close();
  }
});
