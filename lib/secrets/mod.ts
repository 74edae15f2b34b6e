/**
 * @module
 * Secrets the model never sees: `.env` files parsed with `dotenv`, values registered with the
 * shared redactor (every output, error, audit and log line), handed to commands as environment
 * variables for their scope (everything, one SSH host, one session) and never through argv:
 * directly in a local child's environment, through stdin to a small wrapper under sudo or over
 * SSH ({@linkcode envWrapperArgv}, {@linkcode encodeEnvBlock}), and with shell builtins fed from
 * the server, echo off, in a PTY session ({@linkcode exportInShell}).
 */
export {
  encodeEnvBlock,
  ENV_WRAPPER_PROTOCOL_EXIT,
  envWrapperArgv,
  envWrapperCommandLine,
  type EnvWrapperInput,
  type EnvWrapperOptions,
  envWrapperScript,
  shellQuote,
} from "./env_wrapper.ts";
export { parseScope, scopeText, type SecretScope } from "./scope.ts";
export {
  type LoadSecretsOptions,
  type LoadSecretsResult,
  type SecretInfo,
  secretNameProblem,
  type SecretRedactor,
  SecretStore,
  type SecretStoreOptions,
  type SecretTarget,
  SUDO_PASSWORD,
} from "./secret_store.ts";
export {
  exportCommandLine,
  exportInShell,
  type ExportInShellOptions,
  exportLines,
  ShellExportError,
} from "./shell_export.ts";
export { COMMON_VALUES, MIN_SECRET_LENGTH, weakValueReason } from "./weak_values.ts";
