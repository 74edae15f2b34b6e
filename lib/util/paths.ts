/** Lexical path helpers shared by the policy (targets of commands) and the file tools. */

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
