/**
 * Exit codes (documented in README "Exit codes"). Every failure the user can act on is a CliError:
 * one line on stderr, no stack trace unless -v.
 */
export const ExitCode = {
  ok: 0,
  /** API or runtime failure: missing object, forbidden, unreachable server, rejected Job. */
  failure: 1,
  /** Bad command line: unknown kind, malformed target, unknown flag. */
  usage: 2,
  /** The workload is already scaled down by another session. */
  held: 3,
  /** The copy was created but its pod could not run; the copy was deleted. */
  copyFailed: 4,
  /** `run`: the local command was found but could not be executed (as a shell reports it). */
  commandNotExecutable: 126,
  /** `run`: the local command was not found (as a shell reports it). */
  commandNotFound: 127,
  /** Interrupted by Ctrl-C / SIGTERM / SIGHUP (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The API server could not be reached at all (refused, reset, timed out): worth retrying. */
export class UnreachableError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.failure);
    this.name = 'UnreachableError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.usage);
    this.name = 'UsageError';
  }
}

/** The message of anything thrown, for a one-line report. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
