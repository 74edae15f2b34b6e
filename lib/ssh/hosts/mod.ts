/**
 * @module
 * Host resolution: an ssh_config alias, an inventory entry, `user@host:port` or a bare
 * name/IP becomes one {@linkcode ResolvedTarget} with every effective setting and its source.
 * ssh_config is evaluated with OpenSSH's rules (first value wins, Host negation, Match,
 * Include, `%` tokens); the inventory (YAML/JSON) reloads when it changes and reports bad
 * entries by name; groups expand wherever hosts are accepted.
 */
export {
  type ExpandHostsOptions,
  type HostListing,
  HostResolver,
  type HostResolverOptions,
  MAX_HOSTS_PER_CALL,
  MAX_JUMP_DEPTH,
} from "./host_resolver.ts";
export {
  checkHostName,
  checkPort,
  checkUserName,
  formatHostToken,
  type HostToken,
  parseHostToken,
  parseJumpChain,
} from "./host_token.ts";
export {
  Inventory,
  type InventoryData,
  InventoryError,
  type InventoryIssue,
  type InventoryOptions,
  type InventoryReport,
  parseInventory,
} from "./inventory.ts";
export {
  DEVICE_VENDORS,
  type DeviceVendor,
  type InventoryHost,
  type RemoteShell,
} from "./inventory_schema.ts";
export { poolKey } from "./pool_key.ts";
export {
  evaluateSshConfig,
  listSshConfigAliases,
  type SshConfigEvaluation,
  type SshConfigQuery,
  type SshConfigSetting,
} from "./ssh_config_eval.ts";
export {
  globPaths,
  parseSshConfigText,
  type SshConfigFile,
  SshConfigFiles,
  type SshConfigLine,
  type SshConfigProblem,
} from "./ssh_config_files.ts";
export {
  type FieldSource,
  hostKeyName,
  type ResolvedTarget,
  type TargetOverrides,
} from "./target.ts";
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
} from "./tokens.ts";
