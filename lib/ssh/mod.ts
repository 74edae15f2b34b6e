/**
 * @module
 * SSH for relay-shell: verified host keys, host resolution, a connection pool, remote exec (with
 * cwd and env through stdin), network-device CLIs, remote PTY sessions, fleet helpers and an
 * in-process keyscan. Connections: our own TCP socket with Nagle off (or a tunnel through the
 * jump hop's pooled connection), OpenSSH's authentication order, single-flight connects,
 * keepalives, idle and LRU eviction, reconnects with backoff, and channels held under sshd's
 * MaxSessions. Host keys: known_hosts files
 * (plain and hashed names, patterns, `[host]:port`, `@revoked`, `@cert-authority`) are read to
 * classify a presented key; the modes `strict`, `accept-new` (real trust on first use: unknown
 * hosts recorded, changed keys refused with both fingerprints) and `ignore` are applied through
 * an adapter for ssh2's `hostVerifier`. Hosts resolve from per-call arguments, the inventory
 * and ssh_config into one target with the source of every field, and {@linkcode poolKey} covers
 * everything that decides identity and trust. `lib/ssh` is the only production folder that
 * imports ssh2.
 */
export {
  decodeBase64,
  encodeBase64,
  fingerprintSha256,
  parsePublicKey,
  type PublicKeyText,
  publicKeyType,
  sameBytes,
} from "./fingerprint.ts";
export {
  HostKeyError,
  type HostKeyErrorDetails,
  HostKeyMismatchError,
  HostKeyRevokedError,
  HostKeyUnknownError,
  type KnownKeyRef,
  type MismatchReason,
  type UnknownReason,
} from "./host_key_errors.ts";
export { isHostPattern, matchPattern, matchPatternList } from "./host_patterns.ts";
export {
  hostKeyAlgorithmsFor,
  HostKeyVerifier,
  hostKeyVerifierFor,
  type HostKeyVerifierOptions,
  hostKeyVerifierOptions,
  type PresentedHostKey,
  type Ssh2HostVerifier,
  type TargetVerifierOptions,
} from "./host_verifier.ts";
export {
  checkHostKey,
  type CheckHostKeyOptions,
  classifyHostKey,
  type ClassifyHostKeyInput,
  DEFAULT_HOST_KEY_ALGORITHMS,
  defaultKnownHostsStore,
  type HostKeyCheck,
  type HostKeyStatus,
  keyTypeOf,
  KNOWN_HOSTS_MODES,
  type KnownHostsMode,
  KnownHostsStore,
  knownKeyRef,
  knownKeyTypes,
  type KnownKeyTypesOptions,
  preferredHostKeyAlgorithms,
} from "./known_hosts.ts";
export {
  entryMatchesHost,
  hashHostName,
  type KnownHostsEntry,
  type KnownHostsMarker,
  knownHostsName,
  type KnownHostsParseResult,
  type KnownHostsProblem,
  parseKnownHosts,
} from "./known_hosts_file.ts";
export {
  recordHostKey,
  type RecordHostKeyOptions,
  type RecordHostKeyResult,
} from "./record_host_key.ts";
export {
  type HostKeyVerification,
  verifyHostKey,
  type VerifyHostKeyOptions,
} from "./verify_host_key.ts";
export {
  type ExpandHostsOptions,
  type HostListing,
  HostResolver,
  type HostResolverOptions,
  MAX_HOSTS_PER_CALL,
  MAX_JUMP_DEPTH,
} from "./hosts/host_resolver.ts";
export {
  checkHostName,
  checkPort,
  checkUserName,
  formatHostToken,
  type HostToken,
  parseHostToken,
  parseJumpChain,
} from "./hosts/host_token.ts";
export {
  Inventory,
  type InventoryData,
  InventoryError,
  type InventoryIssue,
  type InventoryOptions,
  type InventoryReport,
  parseInventory,
} from "./hosts/inventory.ts";
export {
  DEVICE_VENDORS,
  type DeviceVendor,
  type InventoryHost,
  type RemoteShell,
} from "./hosts/inventory_schema.ts";
export { poolKey } from "./hosts/pool_key.ts";
export {
  evaluateSshConfig,
  listSshConfigAliases,
  type SshConfigEvaluation,
  type SshConfigQuery,
  type SshConfigSetting,
} from "./hosts/ssh_config_eval.ts";
export {
  globPaths,
  parseSshConfigText,
  type SshConfigFile,
  SshConfigFiles,
  type SshConfigLine,
  type SshConfigProblem,
} from "./hosts/ssh_config_files.ts";
export {
  type FieldSource,
  hostKeyName,
  type ResolvedTarget,
  type TargetOverrides,
} from "./hosts/target.ts";
export {
  connectionHash,
  expandEnvRefs,
  expandHostnameTokens,
  expandPath,
  expandTilde,
  expandTokens,
  HOSTNAME_TOKENS,
  PATH_TOKENS,
  PROXY_TOKENS,
  type TokenContext,
} from "./hosts/tokens.ts";
export { type AuthPlan, type AuthPlanOptions, buildAuthPlan } from "./auth_plan.ts";
export {
  CLI_NO_EXIT_CODE,
  cliExec,
  type CliExecOptions,
  PAGER_PROMPT,
  VENDOR_PROMPTS,
} from "./cli_device.ts";
export { connectSsh, type ConnectSshOptions } from "./connect.ts";
export type {
  Ssh2Channel,
  Ssh2Sftp,
  Ssh2SftpAttrs,
  Ssh2SftpDirEntry,
  Ssh2SftpError,
  Ssh2SftpStats,
  Ssh2TcpConnectionInfo,
} from "./_ssh2.ts";
export { type ChannelSlot, SshConnection, type SshConnectionOptions } from "./connection.ts";
export { checkHost, type HostCheck, mapBounded, perHostBudget, shortError } from "./fleet.ts";
export {
  keyscan,
  KEYSCAN_TYPES,
  type KeyscanOptions,
  type KeyscanResult,
  type KeyscanType,
  type ScannedKey,
} from "./keyscan.ts";
export { type AcquireOptions, type Lease, SshPool, type SshPoolOptions } from "./pool.ts";
export {
  ptyCommandLine,
  type RemoteCommand,
  type RemoteCommandInput,
  shellQuote,
  WRAPPER_PROTOCOL_EXIT,
  wrapRemoteCommand,
} from "./remote_command.ts";
export {
  execOnConnection,
  execOnTarget,
  type RemoteExecOptions,
  type RemoteProcess,
  sshExec,
  type SshExecOptions,
} from "./remote_exec.ts";
export {
  hostLabel,
  SshAuthError,
  SshChannelError,
  SshConnectError,
  SshConnectionLostError,
  SshError,
  SshKeyError,
  SshUnsupportedError,
} from "./ssh_errors.ts";
export {
  SFTP_STATUS,
  SftpClient,
  SftpError,
  withSftp,
  type WithSftpOptions,
} from "./sftp_client.ts";
export { spawnSshSession, SshPtyBackend, type SshSessionOptions } from "./ssh_session.ts";
export {
  formatForwardSpec,
  type ForwardInfo,
  ForwardLimitError,
  ForwardManager,
  type ForwardManagerOptions,
  ForwardNotFoundError,
  type ForwardSpec,
  type ForwardState,
  isLoopbackBind,
  parseForwardSpec,
} from "./forward/mod.ts";
export { sshDownload, sshUpload } from "./transfer.ts";
export {
  resolveLocalPath,
  resolveRemotePath,
  TRANSFER_ENGINES,
  type TransferEngineName,
  TransferError,
  type TransferOptions,
  type TransferProgress,
  type TransferredFile,
  type TransferResult,
} from "./transfer_types.ts";
export type { SkippedEntry } from "./transfer_plan.ts";
export { findSshBinary, OpenSshEngine, openSshUnsupported } from "./transfer_openssh.ts";
