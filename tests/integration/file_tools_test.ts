/**
 * The file tools through the real stdio server: locally in a temp dir, and on a host through a
 * real sshd (SFTP). Paged reads are reassembled and compared, binary round-trips as base64, the
 * atomic write leaves no temp file, a recursive delete needs Tier-3 confirmation, the audit line
 * holds the written content's size and hash (never the content), and errors name the path.
 */
import assert from "node:assert/strict";
import {
  type CallResult,
  integrationTest,
  readAudit,
  startStdio,
  type StdioServer,
  textOf,
} from "../helpers/server.ts";
import { edEntry, startSshStdio } from "../helpers/ssh_server.ts";
import { startSshd } from "../helpers/sshd.ts";

type Call = (name: string, args: Record<string, unknown>) => Promise<CallResult>;

function caller(s: StdioServer): Call {
  return (name, args) => s.client.callTool({ name, arguments: args });
}

function ok(r: CallResult): Record<string, unknown> {
  assert.equal(r.isError, undefined, textOf(r));
  return r.structuredContent!;
}

/** Reads a whole file page by page; returns the text and the number of pages. */
async function readAll(call: Call, base: Record<string, unknown>, encoding = "text") {
  let offset = 0;
  let pages = 0;
  const parts: string[] = [];
  for (;;) {
    const r = ok(await call("file_read", { ...base, offset, encoding }));
    assert.equal(r.offset, offset);
    parts.push(r.content as string);
    pages++;
    if (r.next_offset === null) {
      assert.equal(r.eof, true);
      return { parts, pages, size: r.size as number };
    }
    offset = r.next_offset as number;
  }
}

function bigText(): string {
  // > 64 KiB (one default page), with multi-byte characters across page edges.
  return Array.from({ length: 6000 }, (_, i) => `line ${i} ünïcödé € 😀\n`).join("");
}

function binary(): Uint8Array {
  return new Uint8Array(100_000).map((_, i) => (i * 31 + 7) % 256);
}

function b64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function unb64(parts: string[]): Uint8Array {
  const chunks = parts.map((p) => Uint8Array.from(atob(p), (c) => c.charCodeAt(0)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * The scenario shared by the local and the remote run; `dir` is an empty directory there,
 * `host` is {} locally or { host } remotely, `ls` lists the directory from the test's side.
 */
async function scenario(
  s: StdioServer,
  dir: string,
  host: Record<string, string>,
  ls: () => Promise<string[]>,
) {
  const call = caller(s);
  const at = (p: string) => ({ ...host, path: `${dir}/${p}` });

  // Write a text bigger than one page; the atomic write leaves nothing else behind.
  const text = bigText();
  const size = new TextEncoder().encode(text).length;
  const w = ok(await call("file_write", { ...at("big.txt"), content: text }));
  assert.deepEqual([w.path, w.bytes, w.created], [`${dir}/big.txt`, size, true]);
  assert.deepEqual(await ls(), ["big.txt"], "no temp file left");

  // Paged read with the default page, reassembled.
  const all = await readAll(call, at("big.txt"));
  assert.ok(all.pages >= 3, `${all.pages} pages`);
  assert.equal(all.size, size);
  assert.equal(all.parts.join(""), text);
  const first = await call("file_read", { ...at("big.txt"), length: 100 });
  assert.match(
    textOf(first),
    new RegExp(`^\\[${dir}/big.txt: bytes 0-\\d+ of ${size}; next_offset=\\d+\\]\\nline 0 `),
  );

  // Overwrite needs overwrite=true (and is tier 2).
  const clobber = await call("file_write", { ...at("big.txt"), content: "x" });
  assert.equal(clobber.isError, true);
  assert.match(textOf(clobber), new RegExp(`${dir}/big.txt: already exists; pass overwrite=true`));
  ok(await call("file_write", { ...at("big.txt"), content: "short\n", overwrite: true }));
  ok(await call("file_write", { ...at("big.txt"), content: "more\n", append: true }));
  assert.equal(ok(await call("file_read", at("big.txt"))).content, "short\nmore\n");

  // Binary: refused as text, round-trips as base64 (written and read).
  const bin = binary();
  ok(
    await call("file_write", {
      ...at("sub/bin.dat"),
      content: b64(bin),
      encoding: "base64",
      create_dirs: true,
    }),
  );
  const asText = await call("file_read", at("sub/bin.dat"));
  assert.equal(asText.isError, true);
  assert.match(textOf(asText), new RegExp(`${dir}/sub/bin.dat: looks binary .*encoding="base64"`));
  const back = await readAll(call, { ...at("sub/bin.dat"), length: 40_000 }, "base64");
  assert.equal(back.pages, 3);
  assert.deepEqual(unb64(back.parts), bin);

  // Listing and stat.
  ok(await call("file_ops", { ...at("sub/deep/er"), op: "mkdir", mode: "0750" }));
  const list = ok(await call("file_list", { ...host, path: dir, depth: 3 }));
  const entries = list.entries as { path: string; type: string; mode: string; size: number }[];
  assert.deepEqual(entries.map((e) => `${e.type}:${e.path}`), [
    "file:big.txt",
    "dir:sub",
    "file:sub/bin.dat",
    "dir:sub/deep",
    "dir:sub/deep/er",
  ]);
  assert.equal(entries.find((e) => e.path === "sub/deep/er")!.mode, "0750");
  assert.equal(entries.find((e) => e.path === "sub/bin.dat")!.size, bin.length);
  const globbed = ok(await call("file_list", { ...host, path: dir, depth: 3, glob: "*.dat" }));
  assert.deepEqual((globbed.entries as { path: string }[]).map((e) => e.path), ["sub/bin.dat"]);
  const stat = ok(await call("file_list", at("big.txt")));
  assert.equal((stat.entries as { size: number }[])[0].size, 11);

  // chmod, move, delete.
  ok(await call("file_ops", { ...at("big.txt"), op: "chmod", mode: "600" }));
  ok(await call("file_ops", { ...at("big.txt"), op: "move", to: `${dir}/sub/moved.txt` }));
  const notEmpty = await call("file_ops", { ...at("sub"), op: "delete" });
  assert.equal(notEmpty.isError, true);
  assert.match(
    textOf(notEmpty),
    new RegExp(`${dir}/sub: directory not empty; pass recursive=true`),
  );

  // Recursive delete is Tier 3: it needs confirmation first.
  const del = { ...at("sub"), op: "delete", recursive: true };
  const plan = await call("file_ops", del);
  assert.equal(plan.isError, true);
  assert.match(textOf(plan), /^\[CONFIRM REQUIRED tier 3/);
  assert.deepEqual(await ls(), ["sub"], "nothing was deleted");
  const token = /token="([^"]+)"/.exec(textOf(plan))![1];
  ok(await call("operation_confirm", { token }));
  const gone = ok(await call("file_ops", del));
  assert.equal(gone.deleted, 5);
  assert.deepEqual(await ls(), []);

  // Errors name the path.
  const missing = await call("file_read", at("nope.txt"));
  assert.equal(missing.isError, true);
  assert.match(textOf(missing), new RegExp(`${dir}/nope.txt: no such file or directory`));

  // The audit line: op, path, sizes and hashes; never the content.
  const audit = await readAudit(s.state.auditPath);
  const writes = audit.filter((a) => a.tool === "file_write");
  assert.ok(writes.length >= 4);
  for (const a of writes) assert.ok(!JSON.stringify(a).includes("ünïcödé"), "content not audited");
  const firstWrite = writes[0].args as Record<string, unknown>;
  assert.equal(firstWrite.content_bytes, size);
  assert.match(firstWrite.content_sha256 as string, /^[0-9a-f]{64}$/);
  assert.equal(firstWrite.content, undefined);
  assert.deepEqual(
    writes.map((a) => a.tier),
    [1, 1, 2, 1, 1],
    "new file 1, refused clobber 1, overwrite 2, append 1, create 1",
  );
  const rec = audit.filter((a) =>
    a.tool === "file_ops" && (a.args as { recursive?: boolean }).recursive
  );
  assert.deepEqual(rec.map((a) => [a.tier, a.action]), [[3, "confirm_plan"], [
    3,
    "confirm_execute",
  ]]);
  return audit;
}

integrationTest(
  "file tools locally: paged read, base64, atomic write, listing, ops, Tier-3 delete",
  async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "rstest-file-tools-" }));
    const s = await startStdio("v2", { RELAY_SHELL_CONFIRM_TIER3: "true" });
    try {
      const ls = () => Promise.resolve([...Deno.readDirSync(dir)].map((e) => e.name).sort());
      const audit = await scenario(s, dir, {}, ls);
      const read = audit.find((a) => a.tool === "file_read")!;
      assert.equal((read.args as Record<string, unknown>).host, "");
      assert.equal(read.tier, 0);
    } finally {
      await s.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

integrationTest(
  "file tools on a host over SFTP: the same scenario against a real sshd",
  async () => {
    await using sshd = await startSshd({ agent: false });
    const srv = await startSshStdio({ web: edEntry(sshd) }, [sshd], {
      RELAY_SHELL_CONFIRM_TIER3: "true",
    });
    const home = `/home/${sshd.users.ed.user}`;
    const name = `rstest-ft-${crypto.randomUUID().slice(0, 8)}`;
    const dir = `${home}/${name}`;
    try {
      const call = caller(srv.s);
      // mkdir through the tool, with a path relative to the login directory.
      const mk = ok(await call("file_ops", { host: "web", path: name, op: "mkdir" }));
      assert.equal(mk.path, dir);
      const ls = () => Promise.resolve([...Deno.readDirSync(dir)].map((e) => e.name).sort());
      const audit = await scenario(srv.s, dir, { host: "web" }, ls);
      // Files belong to the remote user.
      assert.equal(Deno.statSync(dir).uid, Deno.statSync(home).uid);
      const read = audit.find((a) => a.tool === "file_read")!.args as Record<string, unknown>;
      assert.deepEqual([read.host, read.user, read.port], ["web", sshd.users.ed.user, sshd.port]);
      // ~ works, and a relative path that climbs into a system path needs that path's tier.
      const tilde = ok(await call("file_list", { host: "web", path: `~/${name}` }));
      assert.equal(tilde.path, dir);
      const climb = await call("file_write", {
        host: "web",
        path: "../../etc/rstest-nope",
        content: "x",
      });
      assert.equal(climb.isError, true);
      assert.match(
        textOf(climb),
        /resolves to \/etc\/rstest-nope, which needs tier 2.*absolute path/,
      );
    } finally {
      await srv.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
);

integrationTest(
  "file tools obey policy: deny rules see paths, readonly keeps reads and listings",
  async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "rstest-file-policy-" }));
    const s = await startStdio("v2", {
      RELAY_SHELL_POLICY_MODE: "readonly",
      RELAY_SHELL_POLICY_DENY: String.raw`\n/etc/shadow(\n|$)|^file_ops delete -r /(\n|$)`,
    });
    try {
      const call = caller(s);
      await Deno.writeTextFile(`${dir}/a.txt`, "hello");
      assert.equal(ok(await call("file_read", { path: `${dir}/a.txt` })).content, "hello");
      ok(await call("file_list", { path: dir }));
      const shadow = await call("file_read", { path: "/tmp/../etc/shadow" });
      assert.match(
        textOf(shadow),
        /^\[DENIED tier 0 \(READ_ONLY\): matched RELAY_SHELL_POLICY_DENY\]/,
      );
      const w = await call("file_write", { path: `${dir}/b.txt`, content: "x" });
      assert.match(textOf(w), /^\[DENIED tier 1 \(REVERSIBLE\): readonly mode refuses/);
      const rm = await call("file_ops", { path: "/", op: "delete", recursive: true });
      assert.match(
        textOf(rm),
        /^\[DENIED tier 3 \(IRREVERSIBLE\): matched RELAY_SHELL_POLICY_DENY\]/,
      );
      const bad = await call("file_ops", { path: dir, op: "chmod", mode: "rwx" });
      assert.match(textOf(bad), /mode: expected an octal string/);
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a.txt"]);
    } finally {
      await s.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

integrationTest(
  "file_read keeps a loaded secret out of text and refuses it as base64",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "relay-shell-files-secret-" });
    const s = await startStdio();
    try {
      const call = caller(s);
      const value = "Zq8-file-secret-" + crypto.randomUUID().slice(0, 8);
      await Deno.writeTextFile(`${dir}/.env`, `FILE_TOKEN=${value}\n`);
      ok(await call("secrets_load", { path: `${dir}/.env` }));
      await Deno.writeTextFile(`${dir}/holds.txt`, `before ${value} after\n`);
      const text = ok(await call("file_read", { path: `${dir}/holds.txt` }));
      assert.equal(text.content, "before [REDACTED] after\n");
      const b64 = await call("file_read", { path: `${dir}/holds.txt`, encoding: "base64" });
      assert.equal(b64.isError, true);
      assert.match(textOf(b64), /loaded secret/);
      assert.ok(!textOf(b64).includes(value) && !textOf(b64).includes(btoa(value).slice(0, 12)));
      await Deno.writeTextFile(`${dir}/plain.bin`, "no secret here");
      const plain = ok(await call("file_read", { path: `${dir}/plain.bin`, encoding: "base64" }));
      assert.equal(atob(plain.content as string), "no secret here");
    } finally {
      await s.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
