/**
 * Where libc is looked for by the FFI users (process table, PTYs). The explicit paths match the
 * `ffi` grants of the `relay-shell` permission set in deno.json; the bare name serves other
 * layouts when FFI is granted without a path list.
 */
export function libcPaths(): string[] {
  const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
  return [
    `/lib/${arch}-linux-gnu/libc.so.6`,
    "/lib64/libc.so.6",
    "/usr/lib/libc.so.6",
    "libc.so.6",
  ];
}
