/**
 * @module
 * `sudo: true` without an exposed password: the command runs as `sudo -k -S -p <marker> -- …`
 * behind a wrapper that announces the start and exports variables read from stdin. The password
 * (a `SUDO_PASSWORD` secret or the variable named by RELAY_SHELL_SUDO_PASSWORD_ENV) is written to
 * sudo's stdin only when its prompt appears; a second prompt (wrong password) or a prompt with no
 * password configured ends sudo at once with a {@linkcode SudoError}. Piped children use
 * {@linkcode sudoSpawner}; PTY sessions use {@linkcode execInShellWithSudo}; other transports
 * (ssh_exec) build on {@linkcode sudoCommandLine} and {@linkcode SudoWatcher}.
 */
export { classifySudoFailure, SudoError, type SudoFailure } from "./errors.ts";
export { sudoArgv, sudoCommandLine, sudoShellLine } from "./sudo_command.ts";
export { execInShellWithSudo, type SudoShellOptions, type SudoShellResult } from "./sudo_pty.ts";
export {
  type SudoOutcome,
  type SudoSpawn,
  sudoSpawner,
  type SudoSpawnOptions,
} from "./sudo_spawner.ts";
export {
  type SudoMarkers,
  sudoMarkers,
  sudoMessages,
  SudoWatcher,
  type SudoWatchStep,
} from "./sudo_watch.ts";
