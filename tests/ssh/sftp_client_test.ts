/** SftpClient's handling of servers without OpenSSH's extensions, on a stub SFTP object. */
import assert from "node:assert/strict";
import { SftpClient, SftpError, type Ssh2Sftp, type SshConnection } from "../../lib/ssh/mod.ts";

const conn = { alive: true, lostError: () => new Error("lost") } as unknown as SshConnection;
const unsupported = () => {
  throw new Error("Server does not support this extended request");
};

Deno.test("rename falls back to plain rename when posix-rename is not offered", async () => {
  const calls: string[] = [];
  const raw = {
    ext_openssh_rename: unsupported,
    rename: (from: string, to: string, cb: (e?: Error) => void) => {
      calls.push(`${from}>${to}`);
      cb();
    },
  } as unknown as Ssh2Sftp;
  await new SftpClient(raw, conn).rename("/a", "/b");
  assert.deepEqual(calls, ["/a>/b"]);
});

Deno.test("fsync: a missing extension is skipped, a failing fsync is an error", async () => {
  const handle = new Uint8Array(4) as never;
  const missing = { ext_openssh_fsync: unsupported } as unknown as Ssh2Sftp;
  await new SftpClient(missing, conn).fsync(handle, "/f");
  const failing = {
    ext_openssh_fsync: (_h: unknown, cb: (e?: Error) => void) =>
      cb(Object.assign(new Error("I/O error"), { code: 4 })),
  } as unknown as Ssh2Sftp;
  await assert.rejects(() => new SftpClient(failing, conn).fsync(handle, "/f"), (e) => {
    assert.ok(e instanceof SftpError);
    assert.match(e.message, /fsync \/f: I\/O error/);
    return true;
  });
});
