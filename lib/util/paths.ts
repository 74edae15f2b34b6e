/** Lexical path helpers shared by the policy (targets of commands), the file tools and transfers. */

/** Lexically normalises an absolute path (`//`, `.`, `..`, trailing `/`); relative paths come back unchanged. */
export function normalisePath(path: string): string {
  if (!path.startsWith("/")) return path;
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

/**
 * Resolves `path` against `home` (for `~`, `~/x`) and `cwd` (relative), normalised. `~user` is
 * refused (a TypeError naming `arg`).
 */
export function absolutePath(path: string, home: string, cwd: string, arg = "path"): string {
  if (path === "") throw new TypeError(`${arg}: is empty; give a file or directory path`);
  if (path.includes("\0")) throw new TypeError(`${arg}: contains a NUL byte`);
  if (path === "~" || path.startsWith("~/")) return normalisePath(home + "/" + path.slice(1));
  if (path.startsWith("~")) {
    throw new TypeError(`${arg}: ~user paths are not supported; give the absolute path`);
  }
  return normalisePath(path.startsWith("/") ? path : `${cwd}/${path}`);
}
