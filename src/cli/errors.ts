/**
 * Exit codes of `dialer`: 0 = ok, 1 = the command ran and found a problem (or failed), 2 = it was used
 * wrongly (bad flags, unknown user, bad configuration). Scripts and CI rely on the difference.
 */
export const ExitCode = { Ok: 0, Problem: 1, Usage: 2 } as const;

/** A mistake of the caller, explained in one plain message; exits 2 without a stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the command already explained on stderr; exits with the given code. */
export class CommandFailed extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Problem,
    /** A stable code for `--json` callers (a domain error's code, when one caused it). */
    readonly code: string = 'FAILED',
  ) {
    super(message);
    this.name = 'CommandFailed';
  }
}
