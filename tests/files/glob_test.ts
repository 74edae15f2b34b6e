/** compileGlob(): the small listing glob. */
import assert from "node:assert/strict";
import { compileGlob } from "../../lib/files/mod.ts";

Deno.test("compileGlob() matches names without a slash and relative paths with one", () => {
  const cases: [string, string, boolean][] = [
    ["*.ts", "a/b/c.ts", true],
    ["*.ts", "c.tsx", false],
    ["*.{ts,md}", "x/README.md", true],
    ["?.txt", "a.txt", true],
    ["?.txt", "ab.txt", false],
    ["[ab]*", "beta", true],
    ["[!ab]*", "beta", false],
    ["src/*.ts", "src/a.ts", true],
    ["src/*.ts", "src/x/a.ts", false],
    ["src/**/*.ts", "src/a.ts", true],
    ["src/**/*.ts", "src/x/y/a.ts", true],
    ["**/test_*", "a/b/test_x", true],
    ["a.b", "axb", false],
    ["\\*", "*", true],
    ["(x)+", "(x)+", true],
  ];
  for (const [glob, path, want] of cases) {
    assert.equal(compileGlob(glob)(path), want, `${glob} vs ${path}`);
  }
});

Deno.test("compileGlob() refuses an unclosed [ or { naming the argument", () => {
  assert.throws(() => compileGlob("[ab"), /^TypeError: glob: unclosed \[/);
  assert.throws(() => compileGlob("{a,b"), /^TypeError: glob: unclosed \{/);
});
