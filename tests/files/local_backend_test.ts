/** The file operations on LocalFileBackend, in a temp dir (the shared suite), plus local-only cases. */
import assert from "node:assert/strict";
import {
  deletePath,
  FileError,
  joinPath,
  LocalFileBackend,
  readPage,
  writeFile,
} from "../../lib/files/mod.ts";
import { runSuite } from "./_suite.ts";

Deno.test("LocalFileBackend runs every file operation of the suite", async (t) => {
  await runSuite(t, async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "rstest-files-" }));
    return {
      b: new LocalFileBackend(),
      dir,
      symlink: (target, link) => Deno.symlink(target, link),
      cleanup: () => Deno.remove(dir, { recursive: true }),
    };
  });
});

Deno.test("deletePath() refuses a recursive delete of the home directory, even through a symlink", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "rstest-files-home-" }));
  try {
    const home = joinPath(root, "home");
    await Deno.mkdir(home);
    await Deno.writeTextFile(joinPath(home, "precious"), "x");
    await Deno.symlink(home, joinPath(root, "alias"));
    const b = new LocalFileBackend({ home });
    for (const p of [home, `${home}/`]) {
      await assert.rejects(
        deletePath(b, p, { recursive: true }),
        (e: unknown) =>
          e instanceof FileError && /refusing to delete the home directory/.test(e.message),
      );
    }
    // A symlink to the home is removed as a link, never followed.
    assert.equal(await deletePath(b, joinPath(root, "alias"), { recursive: true }), 1);
    assert.equal(await Deno.readTextFile(joinPath(home, "precious")), "x");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("LocalFileBackend errors name the path and say what failed", async () => {
  const b = new LocalFileBackend();
  await assert.rejects(b.readdir("/nonexistent-rstest"), (e: unknown) => {
    assert.ok(e instanceof FileError);
    assert.equal(e.message, "list /nonexistent-rstest: no such file or directory");
    assert.equal(e.kind, "not_found");
    return true;
  });
});

Deno.test("readPage() reads /proc files (size 0) and refuses devices", async () => {
  const b = new LocalFileBackend();
  const p = await readPage(b, "/proc/self/status", { offset: 0, length: 65536, encoding: "text" });
  assert.match(p.content, /^Name:/);
  assert.equal(p.eof, true);
  assert.equal(p.size, p.bytes);
  const first = await readPage(b, "/proc/self/status", { offset: 0, length: 10, encoding: "text" });
  assert.equal(first.bytes, 10);
  assert.equal(first.nextOffset, 10, "more follows although the size says 0");
  await assert.rejects(
    readPage(b, "/dev/zero", { offset: 0, length: 10, encoding: "base64" }),
    /read \/dev\/zero: is not a regular file/,
  );
});

Deno.test("writeFile() replaces by rename (new inode) and a failed write leaves the old file and no temp file", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "rstest-files-atomic-" }));
  try {
    const f = joinPath(dir, "conf");
    await Deno.writeTextFile(f, "old");
    const before = (await Deno.stat(f)).ino;
    const o = { append: false, overwrite: true, createDirs: false };
    await writeFile(new LocalFileBackend(), f, { data: new TextEncoder().encode("new"), ...o });
    assert.notEqual((await Deno.stat(f)).ino, before, "renamed into place, not rewritten");
    // A backend whose writes fail half-way (a full disk, a dropped connection).
    const failing = new LocalFileBackend();
    const open = failing.openWrite.bind(failing);
    failing.openWrite = async (path, opts) => {
      const w = await open(path, opts);
      return {
        ...w,
        write: async (data) => {
          await w.write(data.subarray(0, 2));
          throw new FileError("write", path, "no space left on device");
        },
      };
    };
    await assert.rejects(
      writeFile(failing, f, { data: new TextEncoder().encode("broken"), ...o }),
      /no space left/,
    );
    assert.equal(await Deno.readTextFile(f), "new");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["conf"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
