import assert from "node:assert/strict";
import {
  encodeEnvBlock,
  envWrapperArgv,
  envWrapperCommandLine,
  shellQuote,
} from "../../lib/secrets/mod.ts";
import { watchCmdlines } from "../helpers/cmdline_watch.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const TRICKY = 'it\'s "quoted" $HOME `x` 100% \\n back\\slash\n\ttab\nline3\n\n';

async function run(argv: string[], stdin: Uint8Array): Promise<{ out: string; err: string }> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { PATH: "/usr/bin:/bin" },
    clearEnv: true,
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(stdin);
  await w.close();
  const o = await child.output();
  return { out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

Deno.test("envWrapperArgv() exports variables read from stdin, then the command reads the rest", async () => {
  const block = encodeEnvBlock({ env: { TRICKY, DASH: "-n starts-with-dash", EMPTY_OK: "x" } });
  const input = new Uint8Array([...block, ...enc.encode("user input\n")]);
  const argv = envWrapperArgv(["/bin/sh", "-c", 'printf "[%s]" "$TRICKY" "$DASH"; echo; cat'], {
    startMarker: "RSS_start",
  });
  const watch = watchCmdlines([TRICKY.slice(0, 12), "starts-with-dash"]);
  const r = await run(argv, input);
  const seen = await watch.stop();
  assert.equal(r.out, `[${TRICKY}][-n starts-with-dash]\nuser input\n`);
  assert.equal(r.err, "RSS_start\n");
  assert.deepEqual(seen.hits, [], "no value in any command line");
  assert.ok(seen.sweeps > 0);
});

Deno.test("envWrapperArgv() under dash and bash, without a marker, and with an empty block", async () => {
  for (const shell of ["/bin/sh", "/bin/bash"]) {
    const argv = envWrapperArgv(["/bin/sh", "-c", 'echo "${A:-unset}"; cat'], { shell });
    const r = await run(argv, new Uint8Array([...encodeEnvBlock({}), ...enc.encode("rest")]));
    assert.equal(r.out, "unset\nrest");
    assert.equal(r.err, "");
    const cd = await run(
      argv,
      new Uint8Array([...encodeEnvBlock({ env: { A: "set", GONE: null }, cwd: "/tmp" }), 0x78]),
    );
    assert.equal(cd.out, "set\nx");
  }
});

Deno.test("envWrapperArgv() with reportGroup prints the marker and the process group id", async () => {
  for (const shell of ["/bin/sh", "/bin/bash"]) {
    const argv = envWrapperArgv(["/bin/sh", "-c", "echo ran"], {
      shell,
      startMarker: "RSS_g",
      reportGroup: true,
    });
    const r = await run(argv, encodeEnvBlock({}));
    assert.equal(r.out, "ran\n");
    assert.match(r.err, /^RSS_g [1-9][0-9]*\n$/);
  }
});

Deno.test("envWrapperCommandLine() is one shell command line with no value in it", async () => {
  const line = envWrapperCommandLine("echo \"$SECRET_V\" 'x'");
  assert.ok(!line.includes("value-xyz"));
  const r = await run(
    ["/bin/sh", "-c", line],
    new Uint8Array([...encodeEnvBlock({ env: { SECRET_V: "value-xyz" } }), ...enc.encode("")]),
  );
  assert.equal(r.out, "value-xyz x\n");
  assert.equal(shellQuote("a'b"), `'a'\\''b'`);
  assert.throws(() => encodeEnvBlock({ env: { "1BAD": "x" } }), /is not a variable name/);
  assert.throws(() => encodeEnvBlock({ env: { __RS_X: "x" } }), /relay-shell's own/);
  assert.throws(() => encodeEnvBlock({ cwd: "" }), /cwd: is empty/);
});

Deno.test("envWrapperArgv() needs no printf: values stay out of argv even when printf is disabled", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/env.sh`, "enable -n printf\n");
    const argv = envWrapperArgv(["/bin/sh", "-c", 'echo "$V"'], { shell: "/bin/bash" });
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { PATH: "/usr/bin:/bin", BASH_ENV: `${dir}/env.sh` },
      clearEnv: true,
    }).spawn();
    const watch = watchCmdlines(["guarded-value-1"]);
    const w = child.stdin.getWriter();
    await w.write(encodeEnvBlock({ env: { V: "guarded-value-1" } }));
    await w.close();
    const o = await child.output();
    const seen = await watch.stop();
    assert.equal(o.code, 0, dec.decode(o.stderr));
    assert.equal(dec.decode(o.stdout), "guarded-value-1\n");
    assert.deepEqual(seen.hits, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("envWrapperArgv() exits 125 before the command on a cut-short block", async () => {
  const argv = envWrapperArgv(["/bin/echo", "ran"]);
  const block = encodeEnvBlock({ env: { A: "1\n2" } });
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(block.subarray(0, block.length - 3));
  await w.close();
  const o = await child.output();
  assert.equal(o.code, 125);
  assert.equal(dec.decode(o.stdout), "");
});
