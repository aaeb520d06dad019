// The errors the CLI turns into exit codes; only cli.ts ends the process.

/** A usage error: the command line is wrong, exit 2. */
export class UsageError extends Error {}

/** The health check failed: exit 1 with one line. */
export class HealthError extends Error {}

/** A command that printed its own report and ends with this code. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
