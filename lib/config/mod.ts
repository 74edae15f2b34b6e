/**
 * @module
 * Configuration: `RELAY_SHELL_*` environment variables and an optional YAML/JSON file become one
 * validated, frozen {@linkcode Config}. The field table ({@linkcode FIELDS}) is the single source
 * of names, defaults, bounds and documentation.
 */
export {
  defaultStateDir,
  envName,
  type Field,
  FIELDS,
  fileKey,
  type Toolset,
  TOOLSETS,
} from "./fields.ts";
export {
  camelKey,
  type Config,
  ConfigError,
  configSchema,
  loadConfig,
  type LoadConfigOptions,
} from "./load.ts";
