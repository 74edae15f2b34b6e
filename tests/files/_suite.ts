/**
 * The file operations, checked the same way on every backend: each case gets a fresh empty
 * directory on the backend and works only through the backend (so the remote run proves SFTP).
 */
import assert from "node:assert/strict";
import {
  deletePath,
  type FileBackend,
  FileError,
  fromBase64,
  joinPath,
  listPath,
  makeDirs,
  movePath,
  readPage,
  writeFile,
} from "../../lib/files/mod.ts";

/** A fresh directory on a backend. */
export interface SuiteDir {
  /** The backend. */
  b: FileBackend;
  /** An empty directory on it (absolute). */
  dir: string;
  /** Creates a symlink (not a FileBackend primitive: no tool creates links). */
  symlink(target: string, link: string): Promise<void>;
}

/** One case of the suite. */
export type SuiteCase = (d: SuiteDir) => Promise<void>;

const enc = new TextEncoder();
const dec = new TextDecoder();

async function put(b: FileBackend, path: string, data: string | Uint8Array, overwrite = false) {
  await writeFile(b, path, {
    data: typeof data === "string" ? enc.encode(data) : data,
    append: false,
    overwrite,
    createDirs: false,
  });
}

async function get(b: FileBackend, path: string): Promise<Uint8Array> {
  const st = await b.stat(path);
  return (await b.readAt(path, 0, st?.size ?? 0)).data;
}

async function names(b: FileBackend, dir: string): Promise<string[]> {
  return (await b.readdir(dir)).map((e) => e.name).sort();
}

async function rejectsFile(p: Promise<unknown>, re: RegExp, path: string) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof FileError, `expected FileError, got ${err}`);
    assert.match(err.message, re);
    assert.ok(err.message.includes(path), `"${err.message}" names ${path}`);
    return true;
  });
}

/** The cases, by test-step name. */
export const SUITE: Record<string, SuiteCase> = {
  "readPage() pages a multi-byte text larger than one page; pages reassemble exactly": async (
    { b, dir },
  ) => {
    // 3-byte and 4-byte characters so page edges fall inside characters.
    const text = Array.from({ length: 3000 }, (_, i) => `${i}€😀 line ${i}\n`).join("");
    const f = joinPath(dir, "big.txt");
    await put(b, f, text);
    const size = enc.encode(text).length;
    let offset = 0;
    let pages = 0;
    let out = "";
    for (;;) {
      const p = await readPage(b, f, { offset, length: 4096, encoding: "text" });
      assert.equal(p.size, size);
      assert.equal(p.offset, offset);
      assert.ok(p.bytes <= 4096 && (p.eof || p.bytes >= 4093), `page of ${p.bytes} bytes`);
      assert.equal(enc.encode(p.content).length, p.bytes);
      out += p.content;
      pages++;
      if (p.nextOffset === null) {
        assert.equal(p.eof, true);
        break;
      }
      assert.equal(p.nextOffset, offset + p.bytes);
      offset = p.nextOffset;
    }
    assert.ok(pages > 10, `${pages} pages`);
    assert.equal(out, text);
    // An offset inside a character starts after it; past the end is a RangeError.
    const euro = enc.encode("0€").length - 2; // offset 2 is inside "€"
    const mid = await readPage(b, f, { offset: euro, length: 10, encoding: "text" });
    assert.equal(mid.offset, 4);
    await assert.rejects(
      readPage(b, f, { offset: size + 1, length: 10, encoding: "text" }),
      RangeError,
    );
    const end = await readPage(b, f, { offset: size, length: 10, encoding: "text" });
    assert.deepEqual([end.content, end.eof, end.nextOffset], ["", true, null]);
  },

  "readPage() refuses binary as text and round-trips it as base64": async ({ b, dir }) => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7 + 3) % 256);
    const f = joinPath(dir, "bin.dat");
    await put(b, f, bytes);
    await rejectsFile(
      readPage(b, f, { offset: 0, length: 1000, encoding: "text" }),
      /looks binary .*encoding="base64"/,
      f,
    );
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (;;) {
      const p = await readPage(b, f, { offset, length: 30_000, encoding: "base64" });
      parts.push(fromBase64(p.content));
      if (p.nextOffset === null) break;
      offset = p.nextOffset;
    }
    assert.deepEqual(new Uint8Array(parts.flatMap((p) => [...p])), bytes);
  },

  "readPage() names the path for a directory and a missing file": async ({ b, dir }) => {
    await rejectsFile(
      readPage(b, dir, { offset: 0, length: 10, encoding: "text" }),
      /is a directory; list it with file_list/,
      dir,
    );
    const missing = joinPath(dir, "nope.txt");
    await rejectsFile(
      readPage(b, missing, { offset: 0, length: 10, encoding: "text" }),
      /no such file/,
      missing,
    );
  },

  "writeFile() is atomic, refuses to clobber unless asked, keeps the mode and leaves no temp file":
    async ({ b, dir }) => {
      const f = joinPath(dir, "a.txt");
      const r = await writeFile(b, f, {
        data: enc.encode("one\n"),
        append: false,
        overwrite: false,
        createDirs: false,
      });
      assert.deepEqual([r.path, r.bytes, r.created, r.mode], [f, 4, true, 0o644]);
      assert.equal((await b.lstat(f))?.mode, 0o644);
      await rejectsFile(put(b, f, "two\n"), /already exists; pass overwrite=true/, f);
      await b.chmod(f, 0o640);
      const r2 = await writeFile(b, f, {
        data: enc.encode("two\n"),
        append: false,
        overwrite: true,
        createDirs: false,
      });
      assert.deepEqual([r2.created, r2.mode], [false, 0o640]);
      assert.equal(dec.decode(await get(b, f)), "two\n");
      assert.equal((await b.lstat(f))?.mode, 0o640, "the existing mode is kept");
      await writeFile(b, f, {
        data: enc.encode("three\n"),
        append: false,
        overwrite: true,
        createDirs: false,
        mode: 0o600,
      });
      assert.equal((await b.lstat(f))?.mode, 0o600);
      assert.deepEqual(await names(b, dir), ["a.txt"], "no temp file left");
    },

  "writeFile() appends, creates parents on request and writes through a symlink": async (
    { b, dir, symlink },
  ) => {
    const f = joinPath(dir, "sub/deeper/log.txt");
    await rejectsFile(put(b, f, "x"), /sub\/deeper does not exist; pass create_dirs=true/, f);
    const app = { append: true, overwrite: false, createDirs: true };
    const r = await writeFile(b, f, { data: enc.encode("a\n"), ...app });
    assert.equal(r.created, true);
    await writeFile(b, f, { data: enc.encode("b\n"), ...app });
    assert.equal(dec.decode(await get(b, f)), "a\nb\n");
    const link = joinPath(dir, "link.txt");
    await put(b, joinPath(dir, "real.txt"), "old");
    // Relative link target: works the same locally and remotely.
    await symlink("real.txt", link);
    const w = await writeFile(b, link, {
      data: enc.encode("new"),
      append: false,
      overwrite: true,
      createDirs: false,
    });
    assert.equal(w.path, joinPath(await b.realpath(dir), "real.txt"));
    assert.equal((await b.lstat(link))?.type, "symlink", "the link is still a link");
    assert.equal(dec.decode(await get(b, joinPath(dir, "real.txt"))), "new");
  },

  "makeDirs() and movePath(): mkdir -p, no-clobber moves unless overwrite": async ({ b, dir }) => {
    const deep = joinPath(dir, "x/y/z");
    assert.equal(await makeDirs(b, deep, 0o750), true);
    assert.equal((await b.stat(deep))?.type, "dir");
    assert.equal((await b.stat(deep))?.mode, 0o750);
    assert.equal(await makeDirs(b, deep, 0o750), false);
    await put(b, joinPath(dir, "f1"), "1");
    await rejectsFile(makeDirs(b, joinPath(dir, "f1/sub"), 0o755), /not a directory/, "f1");
    await put(b, joinPath(dir, "f2"), "2");
    await rejectsFile(
      movePath(b, joinPath(dir, "f1"), joinPath(dir, "f2"), false),
      /already exists; pass overwrite=true/,
      joinPath(dir, "f2"),
    );
    await movePath(b, joinPath(dir, "f1"), joinPath(dir, "f2"), true);
    assert.equal(dec.decode(await get(b, joinPath(dir, "f2"))), "1");
    await movePath(b, joinPath(dir, "f2"), joinPath(dir, "x/y/moved"), false);
    assert.deepEqual(await names(b, joinPath(dir, "x/y")), ["moved", "z"]);
    await rejectsFile(
      movePath(b, joinPath(dir, "gone"), joinPath(dir, "g2"), false),
      /no such file/,
      joinPath(dir, "gone"),
    );
  },

  "deletePath(): files, empty dirs, recursive only when asked, symlinks never followed": async (
    { b, dir, symlink },
  ) => {
    const outside = joinPath(dir, "outside");
    await makeDirs(b, outside, 0o755);
    await put(b, joinPath(outside, "keep.txt"), "keep");
    const tree = joinPath(dir, "tree");
    await makeDirs(b, joinPath(tree, "a/b"), 0o755);
    await put(b, joinPath(tree, "a/b/f.txt"), "f");
    await put(b, joinPath(tree, "top.txt"), "t");
    await symlink("../../outside", joinPath(tree, "a/escape"));
    await rejectsFile(
      deletePath(b, tree, { recursive: false }),
      /directory not empty; pass recursive=true/,
      tree,
    );
    assert.equal(await deletePath(b, tree, { recursive: true }), 6);
    assert.equal(await b.lstat(tree), null);
    assert.deepEqual(await names(b, outside), ["keep.txt"], "the symlink's target survived");
    await makeDirs(b, joinPath(dir, "empty"), 0o755);
    assert.equal(await deletePath(b, joinPath(dir, "empty"), { recursive: false }), 1);
    assert.equal(await deletePath(b, joinPath(outside, "keep.txt"), { recursive: false }), 1);
    await rejectsFile(
      deletePath(b, joinPath(dir, "none"), { recursive: false }),
      /no such file/,
      joinPath(dir, "none"),
    );
    // Non-recursive, so a broken guard fails on "not empty" instead of deleting anything.
    await rejectsFile(deletePath(b, "/", { recursive: false }), /refusing to delete \//, "/");
    const home = await b.home();
    await rejectsFile(
      deletePath(b, home, { recursive: false }),
      /refusing to delete the home directory/,
      home,
    );
  },

  "listPath(): types, modes, mtimes, link targets, depth, glob, hidden, stat, limit": async (
    { b, dir, symlink },
  ) => {
    await makeDirs(b, joinPath(dir, "src/lib"), 0o755);
    await put(b, joinPath(dir, "src/main.ts"), "main");
    await put(b, joinPath(dir, "src/lib/util.ts"), "util!");
    await put(b, joinPath(dir, "README.md"), "# hi");
    await put(b, joinPath(dir, ".env"), "X=1");
    await b.chmod(joinPath(dir, "README.md"), 0o600);
    await symlink("src/main.ts", joinPath(dir, "main-link"));
    const one = await listPath(b, dir, { depth: 1, hidden: false, limit: 1000 });
    assert.equal(one.isDir, true);
    assert.deepEqual(one.entries.map((e) => [e.path, e.type]), [
      ["README.md", "file"],
      ["main-link", "symlink"],
      ["src", "dir"],
    ]);
    const readme = one.entries[0];
    assert.deepEqual([readme.size, readme.mode], [4, "0600"]);
    assert.match(readme.mtime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(readme.mtime) - Date.now()) < 120_000);
    assert.equal(one.entries[1].target, "src/main.ts");
    const all = await listPath(b, dir, { depth: 5, hidden: true, limit: 1000 });
    assert.deepEqual(all.entries.map((e) => e.path), [
      ".env",
      "README.md",
      "main-link",
      "src",
      "src/lib",
      "src/lib/util.ts",
      "src/main.ts",
    ]);
    const ts = await listPath(b, dir, { depth: 5, hidden: false, limit: 1000, glob: "*.ts" });
    assert.deepEqual(ts.entries.map((e) => e.path), ["src/lib/util.ts", "src/main.ts"]);
    const lib = await listPath(b, dir, { depth: 5, hidden: false, limit: 1000, glob: "src/*/*" });
    assert.deepEqual(lib.entries.map((e) => e.path), ["src/lib/util.ts"]);
    const cut = await listPath(b, dir, { depth: 5, hidden: true, limit: 3 });
    assert.equal(cut.truncated, true);
    assert.equal(cut.entries.length, 3);
    const stat = await listPath(b, joinPath(dir, "src/main.ts"), {
      depth: 1,
      hidden: false,
      limit: 1000,
    });
    assert.equal(stat.isDir, false);
    assert.deepEqual(
      stat.entries.map((e) => [e.path, e.type, e.size]),
      [[joinPath(dir, "src/main.ts"), "file", 4]],
    );
    await rejectsFile(
      listPath(b, joinPath(dir, "nope"), { depth: 1, hidden: false, limit: 10 }),
      /no such file/,
      joinPath(dir, "nope"),
    );
  },

  "resolve(): ~ and relative paths against the home/login directory": async ({ b }) => {
    const home = await b.home();
    assert.ok(home.startsWith("/"));
    assert.equal(await b.resolve("~"), home === "/" ? "/" : home.replace(/\/$/, ""));
    assert.equal(await b.resolve("/a/./b/../c"), "/a/c");
    await assert.rejects(b.resolve("~root/x"), TypeError);
  },
};

/** Runs every case as a step, each on a fresh directory from `fresh`. */
export async function runSuite(
  t: Deno.TestContext,
  fresh: () => Promise<SuiteDir & { cleanup(): Promise<void> }>,
): Promise<void> {
  for (const [name, fn] of Object.entries(SUITE)) {
    await t.step(name, async () => {
      const d = await fresh();
      try {
        await fn(d);
      } finally {
        await d.cleanup();
      }
    });
  }
}
