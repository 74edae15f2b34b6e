/**
 * @module
 * SSH port forwards over pooled connections: the spec parser (`L:`, `R:`, `D:`), a SOCKS5 server
 * handshake for dynamic forwards, and the {@linkcode ForwardManager} that owns every forward,
 * re-dials local and dynamic forwards and re-binds remote ones after a dropped connection.
 */
export {
  Forward,
  type ForwardInfo,
  type ForwardOptions,
  type ForwardPool,
  type ForwardState,
} from "./forward.ts";
export {
  ForwardLimitError,
  ForwardManager,
  type ForwardManagerOptions,
  ForwardNotFoundError,
  type OpenForwardOptions,
} from "./forward_manager.ts";
export {
  socks5Handshake,
  type Socks5HandshakeOptions,
  SOCKS_REPLY,
  SocksProtocolError,
  socksReply,
  socksReplyFor,
  type SocksRequest,
} from "./socks5.ts";
export {
  DEFAULT_BIND,
  formatForwardSpec,
  type ForwardKind,
  type ForwardSpec,
  isLoopbackBind,
  parseForwardSpec,
  specHost,
} from "./spec.ts";
export { splice, type SpliceCounters } from "./splice.ts";
