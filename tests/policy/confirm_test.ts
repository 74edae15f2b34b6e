import assert from "node:assert/strict";
import { ConfirmationBroker } from "../../lib/policy/mod.ts";
import { ManualClock } from "../../lib/util/clock.ts";

const TTL = 60_000;
const op = {
  tool: "shell_exec",
  args: { command: "rm -rf /srv/old", cwd: "/", env: { A: "1", B: "2" }, timeout: 30 },
  clientId: "client-a",
};

function broker(maxPending?: number): { broker: ConfirmationBroker; clock: ManualClock } {
  const clock = new ManualClock();
  return { broker: new ConfirmationBroker({ ttlMs: TTL, maxPending, clock }), clock };
}

Deno.test("ConfirmationBroker.plan() mints unguessable single tokens with an expiry", () => {
  const { broker: b, clock } = broker();
  const first = b.plan(op);
  const second = b.plan(op);
  assert.match(first.token, /^[A-Za-z0-9_-]{22,}$/, "at least 128 bits, base64url");
  assert.notEqual(first.token, second.token);
  assert.equal(first.expiresAt, clock.now() + TTL);
  assert.equal(b.pending, 2);
});

Deno.test("ConfirmationBroker.consume() needs an armed token and burns it", () => {
  const { broker: b } = broker();
  const { token } = b.plan(op);
  assert.equal(b.consume(op), false, "planned but not armed");
  assert.equal(b.arm(token, op.clientId), "armed");
  assert.equal(b.consume(op), true);
  assert.equal(b.consume(op), false, "single use");
  assert.equal(b.arm(token, op.clientId), "invalid", "a burned token cannot be re-armed");
  assert.equal(b.pending, 0);
});

Deno.test("ConfirmationBroker.arm() is idempotent and does not extend the TTL", () => {
  const { broker: b, clock } = broker();
  const { token } = b.plan(op);
  clock.advance(TTL - 1);
  assert.equal(b.arm(token, op.clientId), "armed");
  assert.equal(b.arm(token, op.clientId), "armed");
  clock.advance(1);
  assert.equal(b.consume(op), false, "expired at plan time + TTL");
});

Deno.test("ConfirmationBroker tokens expire before arming", () => {
  const { broker: b, clock } = broker();
  const { token } = b.plan(op);
  clock.advance(TTL);
  assert.equal(b.arm(token, op.clientId), "invalid");
  assert.equal(b.pending, 0);
});

Deno.test("ConfirmationBroker binds the token to every argument", () => {
  const variants: unknown[] = [
    { ...op.args, command: "rm -rf /srv/new" },
    { ...op.args, cwd: "/srv" },
    { ...op.args, env: { A: "1", B: "3" } },
    { ...op.args, timeout: 31 },
    { ...op.args, extra: true },
    { command: op.args.command },
  ];
  for (const args of variants) {
    const { broker: b } = broker();
    b.arm(b.plan(op).token, op.clientId);
    assert.equal(b.consume({ ...op, args }), false, JSON.stringify(args));
    assert.equal(b.consume({ ...op, tool: "ssh_exec" }), false);
    assert.equal(b.consume(op), true, "the original still matches");
  }
  const { broker: b } = broker();
  b.arm(b.plan(op).token, op.clientId);
  const reordered = { timeout: 30, env: { B: "2", A: "1" }, cwd: "/", command: "rm -rf /srv/old" };
  assert.equal(b.consume({ ...op, args: reordered }), true, "key order does not matter");
});

Deno.test("ConfirmationBroker binds the token to the client", () => {
  const { broker: b } = broker();
  const { token } = b.plan(op);
  assert.equal(b.arm(token, "client-b"), "invalid");
  assert.equal(b.arm(token, op.clientId), "armed");
  assert.equal(b.consume({ ...op, clientId: "client-b" }), false);
  assert.equal(b.consume(op), true);
});

Deno.test("ConfirmationBroker.arm() rejects unknown tokens", () => {
  const { broker: b } = broker();
  b.plan(op);
  assert.equal(b.arm("not-a-token", op.clientId), "invalid");
  assert.equal(b.arm("", op.clientId), "invalid");
});

Deno.test("ConfirmationBroker keeps a bounded store: expired first, then the soonest to expire", () => {
  const { broker: b, clock } = broker(3);
  const stale = b.plan({ ...op, args: { n: 0 } });
  clock.advance(TTL);
  const tokens = [1, 2, 3].map((n) => {
    clock.advance(10);
    return b.plan({ ...op, args: { n } }).token;
  });
  assert.equal(b.pending, 3, "the expired entry was swept, not counted");
  assert.equal(b.arm(stale.token, op.clientId), "invalid");
  const newest = b.plan({ ...op, args: { n: 4 } }).token;
  assert.equal(b.pending, 3);
  assert.equal(b.arm(tokens[0], op.clientId), "invalid", "the soonest to expire was evicted");
  assert.equal(b.arm(tokens[1], op.clientId), "armed");
  assert.equal(b.arm(newest, op.clientId), "armed");
});

Deno.test("new ConfirmationBroker() validates its options", () => {
  assert.throws(() => new ConfirmationBroker({ ttlMs: 0 }), RangeError);
  assert.throws(() => new ConfirmationBroker({ ttlMs: Number.NaN }), RangeError);
  assert.throws(() => new ConfirmationBroker({ ttlMs: 1000, maxPending: 0 }), RangeError);
});
