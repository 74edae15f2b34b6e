/** wrapRemoteCommand(): the stdin-fed env/cwd reader under dash, bash and busybox sh. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { resolveProgram } from "../../lib/exec/mod.ts";
import { shellQuote, WRAPPER_PROTOCOL_EXIT, wrapRemoteCommand } from "../../lib/ssh/mod.ts";

/** Shells to run the reader under: [label, argv prefix, $SHELL for the exec'd command]. */
const SHELLS: [string, string[], string][] = [
  ["dash", ["/usr/bin/dash"], "/usr/bin/dash"],
  ["bash", ["/usr/bin/bash"], "/usr/bin/bash"],
  ["busybox", ["/usr/bin/busybox", "sh"], "/usr/bin/busybox"],
].filter(([, argv]) => resolveProgram(argv[0] as string, undefined) !== null) as [
  string,
  string[],
  string,
][];

const enc = new TextEncoder();

/** Runs `commandLine` as sshd would (`$SHELL -c line`), feeding `stdin`; busybox runs `sh -c`. */
async function runAs(
  shell: [string, string[], string],
  commandLine: string,
  stdin: Uint8Array,
): Promise<{ code: number; out: Uint8Array; err: string }> {
  const [label, argv, sh] = shell;
  // For busybox, $SHELL must run `sh -c`: point it at a tiny wrapper.
  let shellVar = sh;
  let tmp: string | undefined;
  if (label === "busybox") {
    tmp = await Deno.makeTempDir();
    shellVar = `${tmp}/sh`;
    await Deno.writeTextFile(shellVar, '#!/usr/bin/busybox sh\nexec /usr/bin/busybox sh "$@"\n', {
      mode: 0o755,
    });
  }
  try {
    const child = new Deno.Command(argv[0], {
      args: [...argv.slice(1), "-c", commandLine],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      clearEnv: true,
      env: { SHELL: shellVar, PATH: "/usr/bin:/bin", HOME: "/tmp", GONE: "present" },
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(stdin).catch(() => {});
    await w.close().catch(() => {});
    const o = await child.output();
    return { code: o.code, out: o.stdout, err: new TextDecoder().decode(o.stderr) };
  } finally {
    if (tmp) await Deno.remove(tmp, { recursive: true });
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const HARD_VALUES: Record<string, string> = {
  QUOTES: `it's "quoted" \`tick\` \\ back`,
  DOLLAR: "$HOME ${PATH} $(id) $((1+1)) !",
  NEWLINES: "line1\nline2\n\n",
  LEADING: "  spaces and\ttabs  ",
  UNICODE: "ünïcödé ✓ 日本語 🙂",
  EMPTY: "",
  CR: "a\rb\r\n",
  DASHES: "-n -e --",
  GLOB: "* ? [a] ~",
  BACKSLASH_END: "ends with \\",
};

for (const shell of SHELLS) {
  Deno.test(`wrapRemoteCommand() under ${shell[0]}: env values, cwd and stdin arrive exactly`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "rs 'c w d' $x " });
    try {
      const names = Object.keys(HARD_VALUES);
      const show = names.map((n) => `printf '%s\\0' "$${n}"`).join("; ");
      const w = wrapRemoteCommand({
        command: `${show}; pwd; printf '%s' "\${GONE-unset}"; echo; od -An -tx1 | tr -s ' \\n' ' '`,
        cwd: dir,
        env: { ...HARD_VALUES, GONE: null },
      });
      assert.equal(w.wrapped, true);
      for (const v of Object.values(HARD_VALUES)) {
        if (v) assert.ok(!w.commandLine.includes(v), "values never reach the command line");
      }
      const stdin = new Uint8Array([0, 1, 0x0a, 0xff, 0x27, 0x24]);
      const r = await runAs(shell, w.commandLine, concat(w.stdinPrefix, stdin));
      assert.equal(r.code, 0, r.err);
      const text = new TextDecoder().decode(r.out);
      const parts = text.split("\0");
      names.forEach((n, i) => assert.equal(parts[i], HARD_VALUES[n], n));
      const [pwd, gone, bytes] = parts[names.length].split("\n");
      assert.equal(pwd, dir);
      assert.equal(gone, "unset");
      assert.equal(bytes.trim(), "00 01 0a ff 27 24");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`wrapRemoteCommand() under ${shell[0]}: random values round-trip (property)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          // Shell-special names ($_, $RANDOM, …) change by themselves: use a prefix.
          fc.stringMatching(/^[A-Za-z0-9_]{0,8}$/).map((k) => `RS_${k}`),
          fc.string({ unit: "binary", maxLength: 40 }).filter((v) => !v.includes("\0")),
          { maxKeys: 4 },
        ),
        async (env) => {
          const names = Object.keys(env);
          const w = wrapRemoteCommand({
            command: names.map((n) => `printf '%s\\0' "$${n}"`).join("; ") || "true",
            env,
          });
          const r = await runAs(shell, w.commandLine, w.stdinPrefix);
          assert.equal(r.code, 0, r.err);
          const parts = new TextDecoder().decode(r.out).split("\0");
          names.forEach((n, i) => assert.equal(parts[i], env[n]));
        },
      ),
      { numRuns: 25 },
    );
  });

  Deno.test(`wrapRemoteCommand() under ${shell[0]}: a cut-short header exits ${WRAPPER_PROTOCOL_EXIT}, a bad cwd fails`, async () => {
    const w = wrapRemoteCommand({ command: "echo ran", env: { A: "1\n2" } });
    const cut = w.stdinPrefix.subarray(0, w.stdinPrefix.length - 3);
    const r = await runAs(shell, w.commandLine, cut);
    assert.equal(r.code, WRAPPER_PROTOCOL_EXIT);
    assert.equal(new TextDecoder().decode(r.out), "");
    const bad = wrapRemoteCommand({ command: "echo ran", cwd: "/nonexistent/dir" });
    const b = await runAs(shell, bad.commandLine, bad.stdinPrefix);
    assert.notEqual(b.code, 0);
    assert.equal(new TextDecoder().decode(b.out), "");
    assert.match(b.err, /nonexistent/);
  });
}

Deno.test("wrapRemoteCommand() leaves a command alone without cwd/env and refuses bad names and NUL", () => {
  const plain = wrapRemoteCommand({ command: "uptime" });
  assert.deepEqual(plain, {
    commandLine: "uptime",
    stdinPrefix: new Uint8Array(0),
    wrapped: false,
  });
  assert.throws(
    () => wrapRemoteCommand({ command: "x", env: { "A-B": "1" } }),
    /env: "A-B" is not a variable name/,
  );
  assert.throws(() => wrapRemoteCommand({ command: "x", env: { "1A": "1" } }), TypeError);
  assert.throws(() => wrapRemoteCommand({ command: "x", env: { A: "a\0b" } }), /NUL/);
  assert.throws(() => wrapRemoteCommand({ command: "x", cwd: "" }), /cwd: is empty/);
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  const w = wrapRemoteCommand({ command: "x", env: { A: "v" } });
  assert.equal(new TextDecoder().decode(w.stdinPrefix), "1\nE A 1\nv\n");
  assert.ok(enc.encode(w.commandLine).length < 1024, "the reader is small");
});

Deno.test("a start marker alone reports the login shell's own process group, no wrapper", async () => {
  for (const shell of SHELLS) {
    const w = wrapRemoteCommand({
      command: 'echo out; echo "[$__rs_g]" >&2',
      startMarker: "RSG_ab12",
    });
    assert.equal(w.stdinPrefix.length, 0, shell[0]);
    assert.ok(w.commandLine.endsWith('\necho out; echo "[$__rs_g]" >&2'), "command verbatim");
    assert.ok(!w.commandLine.includes("/bin/sh"), "runs in the login shell itself");
    const r = await runAs(shell, w.commandLine, new Uint8Array(0));
    assert.equal(r.code, 0, shell[0]);
    assert.equal(new TextDecoder().decode(r.out), "out\n");
    const m = r.err.match(/^RSG_ab12 (\d+)\n\[\]\n$/);
    assert.ok(m, `${shell[0]}: ${JSON.stringify(r.err)}`);
    assert.ok(Number(m[1]) > 1, "a process group id");
  }
  assert.throws(() => wrapRemoteCommand({ command: "true", startMarker: "a b" }), /marker/);
});
