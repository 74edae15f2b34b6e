/**
 * The file operations on SftpFileBackend against a real OpenSSH sshd (internal-sftp), through the
 * shared suite: every case works in a fresh directory under the test user's login directory.
 */
import assert from "node:assert/strict";
import { FileError, joinPath, readPage, SftpFileBackend, writeFile } from "../../lib/files/mod.ts";
import { withSftp } from "../../lib/ssh/mod.ts";
import { startSshd } from "../helpers/sshd.ts";
import { entryFor, sshTestEnv } from "../ssh/_env.ts";
import { runSuite } from "./_suite.ts";

Deno.test("SftpFileBackend runs every file operation of the suite on a real sshd", async (t) => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, "ed25519") },
  });
  await withSftp(env.pool, env.resolver.resolveTarget("web"), async (sftp) => {
    const b = new SftpFileBackend(sftp, "web");
    const login = await b.home();
    assert.equal(login, `/home/${sshd.users.ed.user}`);
    await runSuite(t, async () => {
      const dir = joinPath(login, `rstest-files-${crypto.randomUUID().slice(0, 8)}`);
      await sftp.mkdir(dir, 0o755);
      return {
        b,
        dir,
        symlink: (target, link) => sftp.symlink(target, link),
        // We are root (sshd needs it): clean up directly.
        cleanup: () => Deno.remove(dir, { recursive: true }),
      };
    });
  });
});

Deno.test("SftpFileBackend resolves ~ and relative paths against the login directory and names the path in errors", async () => {
  await using sshd = await startSshd({ agent: false });
  await using env = await sshTestEnv({
    trust: [sshd],
    inventory: { web: entryFor(sshd, "ed25519") },
  });
  const name = `rstest-rel-${crypto.randomUUID().slice(0, 8)}.txt`;
  const home = `/home/${sshd.users.ed.user}`;
  try {
    await withSftp(env.pool, env.resolver.resolveTarget("web"), async (sftp) => {
      const b = new SftpFileBackend(sftp, "web");
      assert.equal(await b.resolve(name), `${home}/${name}`);
      assert.equal(await b.resolve(`~/${name}`), `${home}/${name}`);
      await writeFile(b, await b.resolve(name), {
        data: new TextEncoder().encode("hello"),
        append: false,
        overwrite: false,
        createDirs: false,
      });
      // Written as the remote user, in their home.
      const st = await Deno.stat(`${home}/${name}`);
      assert.equal(
        st.uid,
        Number(
          new TextDecoder().decode(
            (await new Deno.Command("id", { args: ["-u", sshd.users.ed.user] }).output()).stdout,
          ).trim(),
        ),
      );
      assert.equal(
        (await readPage(b, `${home}/${name}`, { offset: 0, length: 100, encoding: "text" }))
          .content,
        "hello",
      );
      await assert.rejects(b.readdir("/root"), (e: unknown) => {
        assert.ok(e instanceof FileError, String(e));
        assert.match(e.message, /^list \/root: permission denied$/);
        assert.equal(e.kind, "denied");
        return true;
      });
    });
  } finally {
    await Deno.remove(`${home}/${name}`).catch(() => {});
  }
});
