/**
 * What the file tools share: the `path` + `host` input (the host resolved and the local path made
 * absolute while the arguments are validated), the policy input, the audit fields of the host,
 * and running a call on its backend (local, or SFTP on a pooled connection) with the tier checked
 * again against the resolved paths.
 */
import { z } from "zod";
import {
  absolutePath,
  type FileBackend,
  LocalFileBackend,
  SftpFileBackend,
} from "../lib/files/mod.ts";
import { describeTier } from "../lib/policy/mod.ts";
import type { ToolContext } from "../lib/runner/mod.ts";
import { type ResolvedTarget, withSftp } from "../lib/ssh/mod.ts";
import type { ToolDeps } from "./deps.ts";
import { type FileOpFacts, fileOpTier, fileSubjects } from "./_files_policy.ts";
import { effectiveOf, hostSubjects, resolveOrIssue } from "./_ssh_shared.ts";

/** The located part of parsed arguments. */
export type Located = {
  path: string;
  to?: string;
  target?: ResolvedTarget;
  abs: string;
  toAbs?: string;
};

/** The facts of an operation without its paths. */
export type OpFacts = Omit<FileOpFacts, "paths">;

/** Builds the helpers over the shared deps. */
export function fileCallHelpers(deps: ToolDeps) {
  const { resolver, sshPool: pool } = deps;
  /** Adds `target` (resolved `host`) and `abs` (the local absolute path, when local). */
  const located = <S extends z.ZodRawShape>(shape: S) =>
    z.strictObject({ path: z.string(), host: z.string().optional(), ...shape }).transform(
      (args, ctx) => {
        const a = args as typeof args & { path: string; host?: string; to?: unknown };
        let target: ResolvedTarget | undefined;
        if (a.host !== undefined && a.host.trim() !== "") {
          const t = resolveOrIssue(ctx, "host", () => {
            if (!resolver || !pool) throw new TypeError("host: remote hosts need the ssh tools");
            const r = resolver.resolveTarget(a.host!);
            if (r.shell === "cli") {
              throw new TypeError(`host: ${a.host} is a network device (shell: cli) without SFTP`);
            }
            return r;
          });
          if (t === z.NEVER) return z.NEVER;
          target = t;
        }
        const remote = target !== undefined;
        const abs = resolveOrIssue(ctx, "path", () => localAbs(remote, a.path));
        const to = "to" in a && typeof a.to === "string"
          ? resolveOrIssue(ctx, "to", () => localAbs(remote, a.to as string, "to"))
          : undefined;
        if (abs === z.NEVER || to === z.NEVER) return z.NEVER;
        return { ...args, target, abs, toAbs: to };
      },
    );

  const hostAudit = (a: Located) => (a.target ? effectiveOf(a.target) : { host: "" });

  const policyOf = (a: Located, f: OpFacts) => {
    const facts = { ...f, paths: [a.abs, ...(a.toAbs ? [a.toAbs] : [])] };
    return {
      subjects: fileSubjects(
        facts,
        [a.path, ...(a.to !== undefined ? [a.to] : [])],
        a.target ? hostSubjects([a.target]) : [],
      ),
      minTier: fileOpTier(facts),
    };
  };

  /** Runs `fn` on the call's backend; then re-checks the tier against the resolved paths. */
  const onBackend = async <T>(
    a: Located,
    ctx: ToolContext,
    facts: OpFacts,
    fn: (b: FileBackend, abs: string, to?: string) => Promise<T>,
  ): Promise<T> => {
    const go = async (b: FileBackend) => {
      const abs = await b.resolve(a.path);
      const to = a.toAbs !== undefined ? await b.resolve(a.to!) : undefined;
      const need = fileOpTier({ ...facts, paths: to ? [abs, to] : [abs] });
      if (ctx.tier !== undefined && need > ctx.tier) {
        throw new Error(
          `path: ${a.path} resolves to ${abs}${to ? ` (to: ${to})` : ""}, which needs ${
            describeTier(need)
          }; call again with the absolute path`,
        );
      }
      return await fn(b, abs, to);
    };
    if (!a.target) return await go(new LocalFileBackend());
    const t = a.target;
    return await withSftp(pool!, t, (s) => go(new SftpFileBackend(s, t.token)), {
      signal: ctx.signal,
    });
  };

  return { located, hostAudit, policyOf, onBackend };
}

/** The local absolute path (what policy judges), or the path as given (checked) for a host. */
function localAbs(remote: boolean, path: string, arg = "path"): string {
  const abs = absolutePath(path, Deno.env.get("HOME") || "/", Deno.cwd(), arg);
  return remote ? path : abs;
}
