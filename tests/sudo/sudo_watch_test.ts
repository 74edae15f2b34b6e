import assert from "node:assert/strict";
import {
  classifySudoFailure,
  sudoArgv,
  SudoError,
  sudoMarkers,
  sudoMessages,
  sudoShellLine,
  SudoWatcher,
} from "../../lib/sudo/mod.ts";

const enc = new TextEncoder();
const M = { prompt: "RSP_0123456789abcdef:", start: "RSS_fedcba9876543210" };

Deno.test("SudoWatcher counts prompts split across chunks and finds where the command's bytes begin", () => {
  const w = new SudoWatcher(M);
  assert.deepEqual(w.feed(enc.encode("RSP_0123")), { prompts: 0, started: false, restAt: -1 });
  assert.deepEqual(w.feed(enc.encode("456789abcdef:")), { prompts: 1, started: false, restAt: -1 });
  assert.equal(w.feed(enc.encode("Sorry, try again.\nRSP_0123456789abcdef:")).prompts, 1);
  assert.equal(w.prompts, 2);
  const step = w.feed(enc.encode("\nRSS_fedcba98"));
  assert.equal(step.started, false);
  const s2 = w.feed(enc.encode("76543210\nhello"));
  assert.deepEqual(s2, { prompts: 0, started: true, restAt: 9 });
  assert.equal(w.started, true);
  assert.equal(w.messages(), "Sorry, try again.");
});

Deno.test("SudoWatcher ignores a prompt marker printed after the start (a command cannot fake one)", () => {
  const w = new SudoWatcher(M);
  w.feed(enc.encode("RSS_fedcba9876543210\r\n"));
  assert.equal(w.feed(enc.encode("RSP_0123456789abcdef:")).prompts, 0);
  assert.equal(w.prompts, 0);
  const x = new SudoWatcher(M);
  const step = x.feed(enc.encode("RSS_fedcba9876543210\nRSP_0123456789abcdef:"));
  assert.deepEqual(step, { prompts: 0, started: true, restAt: 21 });
});

Deno.test("classifySudoFailure() reads sudo's messages", () => {
  assert.equal(
    classifySudoFailure("Sorry, try again. / sudo: 1 incorrect password attempt", 2),
    "incorrect_password",
  );
  assert.equal(classifySudoFailure("sudo: a password is required", 1), "password_required");
  assert.equal(classifySudoFailure("sudo: no password was provided", 1), "password_required");
  assert.equal(classifySudoFailure("bob is not in the sudoers file.", 0), "not_allowed");
  assert.equal(classifySudoFailure("", 2), "incorrect_password");
  assert.equal(classifySudoFailure("sudo: unable to resolve host", 0), "failed");
  const e = new SudoError("incorrect_password", "Sorry, try again.");
  assert.equal(e.name, "SudoError");
  assert.match(e.message, /password was rejected.*nothing ran.*Sorry, try again/);
  assert.equal(
    sudoMessages("RSP_0123456789abcdef:\r\nsudo: x\r\nRSS_fedcba9876543210\nout", M),
    "sudo: x",
  );
});

Deno.test("sudoArgv() and sudoShellLine() carry no password and spell PTY markers in pieces", () => {
  const m = sudoMarkers();
  assert.match(m.prompt, /^RSP_[0-9a-f]{16}:$/);
  assert.notEqual(m.prompt, sudoMarkers().prompt);
  const argv = sudoArgv(["/bin/sh", "-c", "id"], m, "/usr/bin/sudo");
  assert.deepEqual(argv.slice(0, 6), ["/usr/bin/sudo", "-k", "-S", "-p", m.prompt, "--"]);
  assert.deepEqual(argv.slice(-3), ["/bin/sh", "-c", "id"]);
  const line = sudoShellLine("echo 'a b'", m);
  assert.ok(!line.includes(m.prompt) && !line.includes(m.start), line);
  assert.match(line, /^sudo -k -p /);
});
