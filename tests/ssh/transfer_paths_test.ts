/** Local paths of transfers resolve as the file tools' do, keeping a trailing "into" slash. */
import assert from "node:assert/strict";
import { resolveLocalPath } from "../../lib/ssh/mod.ts";

Deno.test("resolveLocalPath: ~, relative, .. and a trailing slash; ~user and empty refused", () => {
  const home = Deno.env.get("HOME") || "/";
  assert.equal(resolveLocalPath("~/x/../y", "/work"), `${home === "/" ? "" : home}/y`);
  assert.equal(resolveLocalPath("a/./b/", "/work"), "/work/a/b/");
  assert.equal(resolveLocalPath("/", "/work"), "/");
  assert.throws(() => resolveLocalPath("~bob/x"), /local_path: ~user paths are not supported/);
  assert.throws(() => resolveLocalPath(""), /local_path: is empty/);
});
