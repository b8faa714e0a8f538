import { EXIT } from './exit-codes.js';

/** An error the CLI reports as one line on stderr, with a documented exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);
export const notFound = (message: string) => new CliError(message, EXIT.notFound);
