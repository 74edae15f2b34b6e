/**
 * Fault injection for audit sink tests (production code never imports this file): an opener
 * whose files can be switched to fail every write with a real ENOSPC from `/dev/full`.
 */
import { type AuditFileHandle, type AuditFileOpener, openForAppend } from "./_audit_file.ts";

/** An {@linkcode AuditFileOpener} whose writes can be made to fail like a full disk. */
export class FullDiskOpener {
  /** While true, every write fails with ENOSPC. */
  full = false;
  /** While set, every open fails with this error. */
  openError: Error | null = null;
  /** Number of opens attempted. */
  opens = 0;

  /** The opener to pass as `AuditLogOptions.openFile`. */
  readonly open: AuditFileOpener = async (path: string): Promise<AuditFileHandle> => {
    this.opens++;
    if (this.openError) throw this.openError;
    const file = await openForAppend(path);
    return {
      writeSync: (data) => {
        if (!this.full) return file.writeSync(data);
        using dev = Deno.openSync("/dev/full", { write: true });
        return dev.writeSync(data);
      },
      statSync: () => file.statSync(),
      close: () => file.close(),
    };
  };
}
