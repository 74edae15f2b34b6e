/**
 * How a command runs under sudo. Piped (shell_exec; ssh_exec the same through
 * {@linkcode sudoCommandLine}):
 *
 *     sudo -k -S -p <prompt marker> -- /bin/sh -c <env wrapper> <start marker> <argv…>
 *
 * `-S` reads the password from stdin and writes the prompt to stderr, where the server watches for
 * it and answers only then (so a password is never left in the input of a command that needed
 * none); `-k` neither uses nor leaves cached credentials, so sudo's power stays tied to calls that
 * asked for it; the wrapper prints the start marker on stderr, reads the variables to export from
 * stdin (sudo resets the environment) and execs the command. In a PTY (session_exec) sudo reads
 * the terminal instead, with echo off, and the typed line spells the markers in pieces so the
 * terminal's echo of the line never contains them.
 */
import { envWrapperArgv, envWrapperCommandLine, shellQuote } from "../secrets/mod.ts";
import type { SudoMarkers } from "./sudo_watch.ts";

/** The argv that runs `argv` under sudo with the markers (piped mode). */
export function sudoArgv(
  argv: readonly string[],
  markers: SudoMarkers,
  sudoPath = "sudo",
): string[] {
  return [
    sudoPath,
    "-k",
    "-S",
    "-p",
    markers.prompt,
    "--",
    ...envWrapperArgv(argv, { startMarker: markers.start }),
  ];
}

/**
 * The command line that runs shell text `command` under sudo over SSH (piped mode): the wrapper
 * runs in `login` mode (the target user's `$SHELL -c command`) and reports its process group.
 */
export function sudoCommandLine(command: string, markers: SudoMarkers): string {
  return `sudo -k -S -p ${shellQuote(markers.prompt)} -- ${
    envWrapperCommandLine(command, { startMarker: markers.start, reportGroup: true })
  }`;
}

/** The shell text that runs shell text `command` under sudo in a terminal (PTY mode). */
export function sudoShellLine(command: string, markers: SudoMarkers): string {
  const [pHead, pTail] = [markers.prompt.slice(0, 4), markers.prompt.slice(4)];
  const [sHead, sTail] = [markers.start.slice(0, 4), markers.start.slice(4)];
  const wrapper = `printf '%s%s\\n' ${sHead} "$0"; exec /bin/sh -c "$1"`;
  return `sudo -k -p ${pHead}""${pTail} -- /bin/sh -c ${shellQuote(wrapper)} ${sTail} ${
    shellQuote(command)
  }`;
}
