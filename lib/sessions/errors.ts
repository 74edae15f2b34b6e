/** Conditions a session caller handles, as named errors. */

/** No session has this id (it never existed, was closed, or was reaped). */
export class SessionNotFoundError extends Error {
  /** The id asked for. */
  readonly id: string;
  /** Builds the error. */
  constructor(id: string) {
    super(
      `Cannot find session ${id}: it does not exist or was closed; call session_list to see live sessions`,
    );
    this.name = "SessionNotFoundError";
    this.id = id;
  }
}

/** The registry is full. */
export class SessionLimitError extends Error {
  /** The configured limit. */
  readonly limit: number;
  /** Builds the error. */
  constructor(limit: number) {
    super(
      `Cannot open session: limit of ${limit} sessions reached; close one with session_kill (RELAY_SHELL_MAX_SESSIONS)`,
    );
    this.name = "SessionLimitError";
    this.limit = limit;
  }
}

/** Input sent to a session whose program has ended. */
export class SessionExitedError extends Error {
  /** The session id. */
  readonly id: string;
  /** The program's exit status, or null. */
  readonly exitCode: number | null;
  /** Builds the error. */
  constructor(id: string, exitCode: number | null, options?: ErrorOptions) {
    super(
      `Cannot send to session ${id}: its program has exited${
        exitCode === null ? "" : ` (exit ${exitCode})`
      }`,
      options,
    );
    this.name = "SessionExitedError";
    this.id = id;
    this.exitCode = exitCode;
  }
}

/** The session cannot take this request now (another session_exec runs, or a program holds the terminal). */
export class SessionBusyError extends Error {
  /** The session id. */
  readonly id: string;
  /** Builds the error. */
  constructor(id: string, why: string) {
    super(`Session ${id} is busy: ${why}`);
    this.name = "SessionBusyError";
    this.id = id;
  }
}
