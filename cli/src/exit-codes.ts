/** Exit codes scripts can rely on (documented in the README and in `optflow --help`). */
export const EXIT = {
  OK: 0,
  /** Some input failed or had rejected rows while the rest loaded. */
  PARTIAL: 1,
  USAGE: 2,
  DATABASE_UNAVAILABLE: 3,
} as const;

/** An error that ends the command with a specific exit code and a one-line message. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}
