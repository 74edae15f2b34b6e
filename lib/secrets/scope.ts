/** Where a secret applies: every command, the commands on one SSH host, or one session. */

/** A secret's scope. */
export type SecretScope =
  | { readonly kind: "all" }
  | { readonly kind: "host"; readonly host: string }
  | { readonly kind: "session"; readonly id: string };

const HOST = /^[A-Za-z0-9._@:%\[\]-]{1,255}$/;
const SESSION = /^[a-z]+-[A-Za-z0-9]{1,64}$/;

/** Parses `all` (default), `host:<alias>` or `session:<id>`; a TypeError names the argument. */
export function parseScope(text: string | undefined, argument = "scope"): SecretScope {
  const t = (text ?? "all").trim();
  if (t === "" || t === "all") return { kind: "all" };
  if (t.startsWith("host:")) {
    const host = t.slice(5);
    if (HOST.test(host)) return { kind: "host", host };
  } else if (t.startsWith("session:")) {
    const id = t.slice(8);
    if (SESSION.test(id)) return { kind: "session", id };
  }
  throw new TypeError(
    `${argument}: ${
      JSON.stringify(t)
    } is not a scope; use all, host:<alias> or session:<session id>`,
  );
}

/** The scope as text (`all`, `host:web1`, `session:sh-…`). */
export function scopeText(scope: SecretScope): string {
  switch (scope.kind) {
    case "all":
      return "all";
    case "host":
      return `host:${scope.host}`;
    case "session":
      return `session:${scope.id}`;
  }
}
