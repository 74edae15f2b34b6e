/**
 * The machine's process table (pid, process group, session, state), read from /proc.
 *
 * Deno refuses every /proc path without `--allow-all`, which the server's permission set does not
 * grant, so /proc is read through libc (`open`, `getdents64`, `read`) — covered by the libc FFI
 * grant, which is native access anyway (docs/permissions.md). Without FFI (another permission
 * set, or not Linux) it falls back to `ps -e -o pid=,pgid=,sid=,stat=`. The library is loaded for
 * the duration of one read only.
 */
import { libcPaths } from "../util/libc.ts";

/** One process. */
export interface ProcessEntry {
  /** Process id. */
  pid: number;
  /** Process group id. */
  pgid: number;
  /** Session id. */
  sid: number;
  /** Zombie or dead: holds no resources, cannot be signalled usefully. */
  defunct: boolean;
}

const SYMBOLS = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  getdents64: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
} as const;
const O_RDONLY_CLOEXEC = 0o2000000;

const enc = new TextEncoder();
const dec = new TextDecoder();
const cstr = (s: string) => enc.encode(s + "\0");

let ffiUnavailable = Deno.build.os !== "linux";

function openLibc(): Deno.DynamicLibrary<typeof SYMBOLS> | null {
  if (ffiUnavailable) return null;
  for (const path of libcPaths()) {
    try {
      return Deno.dlopen(path, SYMBOLS);
    } catch (err) {
      if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
        break;
      }
    }
  }
  ffiUnavailable = true;
  return null;
}

/** Parses `/proc/<pid>/stat` text: "pid (comm) state ppid pgrp session ..." (comm may hold parens). */
export function parseStat(pid: number, stat: string): ProcessEntry | null {
  const close = stat.lastIndexOf(")");
  if (close < 0) return null;
  const f = stat.slice(close + 2).split(" ", 4);
  if (f.length < 4) return null;
  return { pid, pgid: Number(f[2]), sid: Number(f[3]), defunct: f[0] === "Z" || f[0] === "X" };
}

function viaFfi(lib: Deno.DynamicLibrary<typeof SYMBOLS>): ProcessEntry[] {
  const c = lib.symbols;
  const dir = c.open(cstr("/proc"), O_RDONLY_CLOEXEC);
  if (dir < 0) return [];
  const pids: number[] = [];
  const buf = new Uint8Array(65536);
  const view = new DataView(buf.buffer);
  try {
    for (;;) {
      const n = Number(c.getdents64(dir, buf, BigInt(buf.length)));
      if (n <= 0) break;
      // struct linux_dirent64 { u64 ino; s64 off; u16 reclen; u8 type; char name[]; }
      for (let off = 0; off < n;) {
        const reclen = view.getUint16(off + 16, true);
        let pid = 0;
        let k = off + 19;
        for (; buf[k] >= 0x30 && buf[k] <= 0x39; k++) pid = pid * 10 + buf[k] - 0x30;
        if (buf[k] === 0 && k > off + 19) pids.push(pid);
        off += reclen;
      }
    }
  } finally {
    c.close(dir);
  }
  const out: ProcessEntry[] = [];
  const stat = new Uint8Array(1024);
  for (const pid of pids) {
    const fd = c.open(cstr(`/proc/${pid}/stat`), O_RDONLY_CLOEXEC);
    if (fd < 0) continue; // exited meanwhile
    try {
      const n = Number(c.read(fd, stat, BigInt(stat.length)));
      const e = n > 0 ? parseStat(pid, dec.decode(stat.subarray(0, n))) : null;
      if (e) out.push(e);
    } finally {
      c.close(fd);
    }
  }
  return out;
}

function viaPs(): ProcessEntry[] {
  try {
    const out = new Deno.Command("ps", {
      args: ["-e", "-o", "pid=,pgid=,sid=,stat="],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      clearEnv: true,
      env: { PATH: "/usr/bin:/bin", LC_ALL: "C" },
    }).outputSync();
    const entries: ProcessEntry[] = [];
    for (const line of dec.decode(out.stdout).split("\n")) {
      const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)/.exec(line);
      if (m) {
        entries.push({
          pid: Number(m[1]),
          pgid: Number(m[2]),
          sid: Number(m[3]),
          defunct: m[4].startsWith("Z") || m[4].startsWith("X"),
        });
      }
    }
    return entries;
  } catch {
    return [];
  }
}

/** Every process on the machine now (an empty list when nothing can be read). */
export function processTable(): ProcessEntry[] {
  const lib = openLibc();
  if (!lib) return viaPs();
  try {
    return viaFfi(lib);
  } finally {
    lib.close();
  }
}
