/** Paged reads by byte offset: UTF-8 safe at the page edge, binary detected, base64 on request. */
import { utf8HeadBoundary } from "../exec/collector.ts";
import { type FileBackend, FileError } from "./backend.ts";

/** Options for {@linkcode readPage}. */
export interface ReadPageOptions {
  /** First byte to read. */
  offset: number;
  /** Bytes to read at most (text pages may end up to 3 bytes shorter, at a character boundary). */
  length: number;
  /** `text` (UTF-8) or `base64` (any bytes). */
  encoding: "text" | "base64";
}

/** One page of a file. */
export interface ReadPageResult {
  /** The page: UTF-8 text or base64. */
  content: string;
  /** Where the page starts (a text read that began inside a character starts after it). */
  offset: number;
  /** Bytes in the page. */
  bytes: number;
  /** The file's total size. */
  size: number;
  /** Offset of the next page, or null at the end of the file. */
  nextOffset: number | null;
  /** True when the page reaches the end of the file. */
  eof: boolean;
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads one page of the file at absolute `path`. */
export async function readPage(
  b: FileBackend,
  path: string,
  o: ReadPageOptions,
): Promise<ReadPageResult> {
  const st = await b.stat(path);
  if (!st) throw new FileError("read", path, "no such file or directory", "not_found");
  if (st.type === "dir") {
    throw new FileError("read", path, "is a directory; list it with file_list");
  }
  if (st.type !== "file") {
    throw new FileError("read", path, "is not a regular file (a device, FIFO or socket)");
  }
  // A text page reads 3 bytes more so it can end on a character boundary, and every page one
  // more to see whether the file goes on (files such as /proc/* report size 0).
  const extra = o.encoding === "text" ? 3 : 0;
  const got = await b.readAt(path, o.offset, o.length + extra + 1);
  const data = got.data;
  const size = Math.max(got.size, o.offset + data.length);
  if (data.length === 0 && o.offset > got.size) {
    throw new RangeError(`offset: ${o.offset} is past the end of ${path} (${got.size} bytes)`);
  }
  if (o.encoding === "base64") {
    const page = data.subarray(0, o.length);
    const next = o.offset + page.length;
    return {
      content: toBase64(page),
      offset: o.offset,
      bytes: page.length,
      size,
      nextOffset: next < size ? next : null,
      eof: next >= size,
    };
  }
  // Skip a partial character at the start (an offset given inside one).
  let start = 0;
  while (start < 3 && start < data.length && (data[start] & 0xc0) === 0x80) start++;
  let end = Math.min(data.length, start + o.length);
  if (o.offset + end < size || end < data.length) {
    const cut = utf8HeadBoundary(data, end);
    // A page too short for one character still takes that whole character.
    end = cut > start ? cut : Math.min(data.length, start + charLength(data[start]));
  }
  const page = data.subarray(start, end);
  const nul = page.indexOf(0);
  let content: string;
  try {
    if (nul >= 0) throw new Error("NUL");
    content = fatalUtf8.decode(page);
  } catch {
    const why = nul >= 0 ? `a NUL byte at offset ${o.offset + start + nul}` : "invalid UTF-8";
    throw new FileError(
      "read",
      path,
      `looks binary (${why}); read it with encoding="base64"`,
    );
  }
  const next = o.offset + end;
  return {
    content,
    offset: o.offset + start,
    bytes: page.length,
    size,
    nextOffset: next < size ? next : null,
    eof: next >= size,
  };
}

function charLength(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** Decodes base64 content; TypeError naming `arg` when it is not base64. */
export function fromBase64(text: string, arg = "content"): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw new TypeError(`${arg}: is not valid base64 (encoding="base64")`);
  }
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
