/** Why a `sudo: true` call did not run its command, as a named error. */

/** The ways sudo can refuse to run the command. */
export type SudoFailure = "incorrect_password" | "password_required" | "not_allowed" | "failed";

const ADVICE: Record<SudoFailure, string> = {
  incorrect_password:
    "the configured password was rejected (fix the SUDO_PASSWORD secret or RELAY_SHELL_SUDO_PASSWORD_ENV)",
  password_required:
    "sudo asks for a password and none is configured (load SUDO_PASSWORD with secrets_load, or set RELAY_SHELL_SUDO_PASSWORD_ENV)",
  not_allowed: "this user may not run the command with sudo (sudoers)",
  failed: "sudo did not start the command",
};

/** sudo refused or failed before the command started; nothing ran. */
export class SudoError extends Error {
  /** Why. */
  readonly reason: SudoFailure;
  /** sudo's own words (no password in them), shortened. */
  readonly detail: string;
  /** Builds the error. */
  constructor(reason: SudoFailure, detail = "", options?: ErrorOptions) {
    const said = detail ? ` (sudo said: ${detail})` : "";
    super(`sudo: ${ADVICE[reason]}; nothing ran${said}`, options);
    this.name = "SudoError";
    this.reason = reason;
    this.detail = detail;
  }
}

/** Classifies sudo's own messages; `prompts` is how many password prompts it showed. */
export function classifySudoFailure(messages: string, prompts: number): SudoFailure {
  if (/incorrect password attempt|Sorry, try again/i.test(messages)) return "incorrect_password";
  if (prompts > 1) return "incorrect_password";
  if (/a password is required|no password was provided/i.test(messages)) {
    return "password_required";
  }
  if (/not in the sudoers file|not allowed to (execute|run)|may not run sudo/i.test(messages)) {
    return "not_allowed";
  }
  return prompts === 1 ? "password_required" : "failed";
}
