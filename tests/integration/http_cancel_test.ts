import assert from "node:assert/strict";
import { pidAlive, pidsMatching } from "../helpers/proc.ts";
import { type ClientKind, integrationTest, startHttp, waitFor } from "../helpers/server.ts";

for (const kind of ["v2", "v1", "v2-modern"] as ClientKind[]) {
  integrationTest(`http server: a ${kind} client's cancelled call kills its process`, async () => {
    const s = await startHttp();
    try {
      const c = await s.connect(kind);
      const marker = `rs-hcancel-${crypto.randomUUID().slice(0, 8)}`;
      const ac = new AbortController();
      const call = c.callTool(
        {
          name: "shell_exec",
          arguments: { command: `exec bash -c 'exec -a ${marker} sleep 300'`, timeout: 600 },
        },
        { signal: ac.signal, timeout: 600_000 },
      ).catch((e) => e);
      await waitFor(() => pidsMatching(marker).length > 0, 10_000, "the sleep to start");
      const [pid] = pidsMatching(marker);
      ac.abort();
      assert.ok((await call) instanceof Error);
      await waitFor(() => !pidAlive(pid), 10_000, "the cancelled process to die");
    } finally {
      await s.close();
    }
  });
}
