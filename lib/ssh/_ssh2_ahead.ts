/**
 * Opening a session channel ahead of its request, which ssh2's public API does not offer
 * (`exec()` opens the channel and sends the request in one go). A pooled connection keeps one
 * such channel ready, so an `exec` skips the channel-open round trip (see connection.ts).
 *
 * This uses ssh2 1.17 internals, the same calls its own `openChannel()` and `reqExec()` make:
 * the channel manager (`_chanMgr.add`), the protocol writer (`_protocol.session`,
 * `_protocol.exec`) and a channel's pending-reply queue (`_callbacks`). ssh2 is pinned in
 * deno.json; {@linkcode canOpenAhead} checks that these exist, and the connection falls back to
 * `exec()` when they do not, or when anything about a channel opened ahead goes wrong.
 */
import type { Ssh2Channel, Ssh2Client } from "./_ssh2.ts";

/** ssh2's Channel.js MAX_WINDOW and PACKET_SIZE, as its own openChannel() uses them. */
const INITIAL_WINDOW = 2 * 1024 * 1024;
const MAX_PACKET = 32 * 1024;

type OpenCallback = ((err: Error | undefined, ch: Ssh2Channel) => void) & { type?: string };

interface ClientInternals {
  _chanMgr?: { add(value: OpenCallback): number };
  _protocol?: {
    session?(id: number, window: number, packetSize: number): void;
    exec?(id: number, command: string, wantReply: boolean): void;
  };
}

interface ChannelInternals {
  outgoing?: { id: number; state: string };
  _callbacks?: ((hadErr: boolean | Error) => void)[];
  subtype?: string;
  allowHalfOpen?: boolean;
}

/** True when this ssh2 build has the internals the functions below use. */
export function canOpenAhead(client: Ssh2Client): boolean {
  const c = client as unknown as ClientInternals;
  return typeof c._chanMgr?.add === "function" &&
    typeof c._protocol?.session === "function" &&
    typeof c._protocol?.exec === "function";
}

/** Opens a session channel with no request yet; rejects as `exec()` would on open failure. */
export function openSessionAhead(client: Ssh2Client): Promise<Ssh2Channel> {
  const c = client as unknown as Required<ClientInternals>;
  return new Promise((resolve, reject) => {
    const opened: OpenCallback = (err, ch) => (err ? reject(err) : resolve(ch));
    opened.type = "session";
    const id = c._chanMgr.add(opened);
    if (id === -1) return reject(new Error("No free channels available"));
    c._protocol.session!(id, INITIAL_WINDOW, MAX_PACKET);
  });
}

/** True while a channel opened ahead can still take a request. */
export function channelReady(ch: Ssh2Channel): boolean {
  const i = ch as unknown as ChannelInternals;
  return i.outgoing?.state === "open" && Array.isArray(i._callbacks);
}

/**
 * Sends an `exec` request on a channel opened ahead and resolves once the server accepted it
 * (ssh2's reqExec(): half-open allowed, subtype exec). Rejects when the server refused it or
 * closed the channel first.
 */
export function execOnChannel(ch: Ssh2Channel, command: string): Promise<void> {
  const i = ch as unknown as ChannelInternals;
  return new Promise((resolve, reject) => {
    if (!channelReady(ch)) return reject(new Error("Channel is not open"));
    i._callbacks!.push((hadErr) => {
      if (hadErr) return reject(hadErr instanceof Error ? hadErr : new Error("Unable to exec"));
      i.subtype = "exec";
      i.allowHalfOpen = true;
      resolve();
    });
    const client = (ch as unknown as { _client: ClientInternals })._client;
    client._protocol!.exec!(i.outgoing!.id, command, true);
  });
}
