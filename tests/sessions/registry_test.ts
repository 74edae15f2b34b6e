import assert from "node:assert/strict";
import {
  parseSignalName,
  SessionExitedError,
  SessionLimitError,
  SessionNotFoundError,
  SessionRegistry,
  type SessionRegistryOptions,
} from "../../lib/sessions/mod.ts";
import { FakeBackend } from "../../lib/sessions/testing.ts";
import { ManualClock } from "../../lib/util/mod.ts";

function registry(extra: Partial<SessionRegistryOptions> = {}) {
  const clock = new ManualClock();
  const reg = new SessionRegistry({
    maxSessions: 3,
    bufferBytes: 4096,
    idleTimeoutMs: 60_000,
    maxLifetimeMs: 0,
    reapIntervalMs: 0,
    clock,
    ...extra,
  });
  return { reg, clock };
}

Deno.test("SessionRegistry.add() gives unguessable prefixed ids and refuses past the limit", async () => {
  const { reg } = registry();
  const ids = [new FakeBackend("local"), new FakeBackend("ssh"), new FakeBackend("job")].map((b) =>
    reg.add(b).id
  );
  assert.match(ids[0], /^sh-[0-9a-f]{24}$/);
  assert.match(ids[1], /^ssh-[0-9a-f]{24}$/);
  assert.match(ids[2], /^job-[0-9a-f]{24}$/);
  assert.equal(reg.hasRoom(), false);
  assert.throws(
    () => reg.add(new FakeBackend()),
    (e: Error) =>
      e instanceof SessionLimitError && e.limit === 3 &&
      e.message ===
        "Cannot open session: limit of 3 sessions reached; close one with session_kill (RELAY_SHELL_MAX_SESSIONS)",
  );
  await reg.closeAll();
});

Deno.test("SessionRegistry.add() makes room by dropping exited sessions whose output was read", async () => {
  const { reg } = registry({ maxSessions: 1 });
  const b = new FakeBackend();
  const s = reg.add(b);
  b.emit("bye");
  b.exit(0);
  await s.ended;
  assert.throws(() => reg.add(new FakeBackend()), SessionLimitError); // unread output keeps it
  s.readCursor = s.log.produced;
  const t = reg.add(new FakeBackend());
  assert.equal(reg.size, 1);
  assert.throws(() => reg.get(s.id), SessionNotFoundError);
  assert.equal(reg.get(t.id), t);
  await reg.closeAll();
});

Deno.test("SessionRegistry.get() names the id and points at session_list", () => {
  const { reg } = registry();
  assert.throws(
    () => reg.get("sh-nope"),
    (e: Error) =>
      e instanceof SessionNotFoundError && e.id === "sh-nope" && /session_list/.test(e.message),
  );
});

Deno.test("Session pumps output into its log and records the exit", async () => {
  const { reg } = registry();
  const b = new FakeBackend();
  const s = reg.add(b, { cols: 80, rows: 24 });
  b.emit("hello");
  b.exit(7);
  await s.ended;
  assert.equal(s.state, "exited");
  assert.equal(s.exitCode, 7);
  assert.equal(new TextDecoder().decode(s.log.read(0, 100).bytes), "hello");
  await assert.rejects(() => s.write(new Uint8Array([1])), SessionExitedError);
  await reg.closeAll();
});

Deno.test("SessionRegistry.reap() closes idle sessions, but not one with a read in progress", async () => {
  const { reg, clock } = registry();
  const idle = reg.add(new FakeBackend());
  const busy = reg.add(new FakeBackend());
  let release!: () => void;
  const reading = busy.reading(() => new Promise<void>((r) => (release = r)));
  clock.advance(59_000);
  assert.deepEqual(await reg.reap(), []);
  clock.advance(2_000);
  assert.deepEqual(await reg.reap(), [{ id: idle.id, reason: "idle" }]);
  assert.equal(idle.state, "exited");
  assert.throws(() => reg.get(idle.id), SessionNotFoundError);
  assert.equal(reg.get(busy.id), busy);
  release();
  await reading;
  clock.advance(61_000);
  assert.deepEqual(await reg.reap(), [{ id: busy.id, reason: "idle" }]);
  await reg.closeAll();
});

Deno.test("SessionRegistry.reap() enforces the lifetime even for active sessions", async () => {
  const { reg, clock } = registry({ maxLifetimeMs: 10_000 });
  const s = reg.add(new FakeBackend());
  clock.advance(9_000);
  s.touch();
  assert.deepEqual(await reg.reap(), []);
  clock.advance(2_000);
  s.touch();
  assert.deepEqual(await reg.reap(), [{ id: s.id, reason: "lifetime" }]);
  await reg.closeAll();
});

Deno.test("SessionRegistry.reap() removes an exited session once its output was read and a grace passed", async () => {
  const { reg, clock } = registry({ exitedGraceMs: 5_000 });
  const b = new FakeBackend();
  const s = reg.add(b);
  b.emit("last words");
  b.exit(0);
  await s.ended;
  clock.advance(10_000);
  assert.deepEqual(await reg.reap(), []); // unread
  s.readCursor = s.log.produced;
  s.touch();
  clock.advance(4_000);
  assert.deepEqual(await reg.reap(), []);
  clock.advance(2_000);
  assert.deepEqual(await reg.reap(), [{ id: s.id, reason: "exited" }]);
  await reg.closeAll();
});

Deno.test("SessionRegistry runs the reaper on its own timer", async () => {
  const { reg, clock } = registry({ reapIntervalMs: 10 });
  const s = reg.add(new FakeBackend());
  clock.advance(120_000);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(reg.size, 0);
  assert.equal(s.state, "exited");
  await reg.closeAll();
});

Deno.test("SessionRegistry.kill() signals, and with close frees the session", async () => {
  const { reg } = registry();
  const b = new FakeBackend();
  const s = reg.add(b);
  const r1 = await reg.kill(s.id, "SIGUSR1", false);
  assert.equal(r1.signalled, true);
  assert.equal(r1.closed, false);
  assert.deepEqual(b.signals, ["SIGUSR1"]);
  const r2 = await reg.kill(s.id, "SIGTERM", true);
  assert.equal(r2.closed, true);
  assert.equal(reg.size, 0);
  assert.equal(s.state, "exited");
  assert.equal(s.exitSignal, "SIGTERM");
});

Deno.test("SessionRegistry.closeAll() closes everything and refuses new sessions", async () => {
  const { reg } = registry();
  const backends = [new FakeBackend(), new FakeBackend()];
  backends.forEach((b) => reg.add(b));
  await reg.closeAll();
  assert.equal(reg.size, 0);
  assert.deepEqual(backends.map((b) => b.closes.length), [1, 1]);
  assert.throws(() => reg.add(new FakeBackend()), /shutting down/);
});

Deno.test("parseSignalName() accepts INT, SIGINT and int, and rejects unknown names", () => {
  assert.equal(parseSignalName("int"), "SIGINT");
  assert.equal(parseSignalName("SIGTERM"), "SIGTERM");
  assert.equal(parseSignalName(" hup "), "SIGHUP");
  assert.throws(
    () => parseSignalName("SIGFOO"),
    (e: Error) => e instanceof TypeError && /^signal: unknown signal/.test(e.message),
  );
  assert.throws(() => parseSignalName("9"), TypeError);
});
