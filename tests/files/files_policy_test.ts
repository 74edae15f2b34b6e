/** fileOpTier() / fileSubjects(): the tier of a file-tool call and what deny rules see. */
import assert from "node:assert/strict";
import { fileOpTier, fileSubjects } from "../../tools/_files_policy.ts";

Deno.test("fileOpTier() follows the issue's tiers and raises system paths", () => {
  const t = (f: Parameters<typeof fileOpTier>[0]) => fileOpTier(f);
  assert.equal(t({ op: "read", paths: ["/etc/shadow"] }), 0);
  assert.equal(t({ op: "list", paths: ["/"] }), 0);
  assert.equal(t({ op: "write", paths: ["/tmp/x"] }), 1);
  assert.equal(t({ op: "write", paths: ["/tmp/x"], overwrite: true }), 2);
  assert.equal(t({ op: "write", paths: ["/etc/hosts"] }), 2);
  assert.equal(t({ op: "write", paths: ["/dev/sda"] }), 3);
  assert.equal(t({ op: "append", paths: ["/tmp/x"] }), 1);
  assert.equal(t({ op: "append", paths: ["/home/u/.ssh/authorized_keys"] }), 2);
  assert.equal(t({ op: "mkdir", paths: ["/tmp/a/b"] }), 1);
  assert.equal(t({ op: "mkdir", paths: ["/usr/local/x"] }), 2);
  assert.equal(t({ op: "chmod", paths: ["/tmp/x"] }), 1);
  assert.equal(t({ op: "chmod", paths: ["/etc/sudoers"] }), 2);
  assert.equal(t({ op: "move", paths: ["/tmp/a", "/tmp/b"] }), 1);
  assert.equal(t({ op: "move", paths: ["/tmp/a", "/tmp/b"], overwrite: true }), 2);
  assert.equal(t({ op: "move", paths: ["/etc/passwd", "/tmp/p"] }), 2);
  assert.equal(t({ op: "delete", paths: ["/tmp/x"] }), 2);
  assert.equal(t({ op: "delete", paths: ["/tmp/x"], recursive: true }), 3);
  assert.equal(t({ op: "delete", paths: ["/etc"] }), 3, "deleting /etc is irreversible");
  assert.equal(t({ op: "delete", paths: ["/"] }), 3);
  assert.equal(t({ op: "delete", paths: ["/tmp/../etc/x"] }), 3, "normalised first");
  // Relative (remote) paths are judged after resolution, in the tool.
  assert.equal(t({ op: "delete", paths: ["../../etc"] }), 2);
});

Deno.test("fileSubjects() gives deny rules an op phrase, each path and the host spellings", () => {
  assert.deepEqual(
    fileSubjects({ op: "delete", paths: ["/etc"], recursive: true }, ["/etc"], ["web"]),
    ["delete -r /etc", "/etc", "web"],
  );
  assert.deepEqual(
    fileSubjects({ op: "move", paths: ["/w/a", "/b"] }, ["a", "/b"], []),
    ["move /w/a /b", "/w/a", "/b", "a"],
  );
});
