/**
 * @module
 * SSH for relay-shell. This part: verified host keys and host resolution. known_hosts files
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
