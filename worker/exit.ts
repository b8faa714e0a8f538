import { ConfigError } from '../config/parse-env.js';

/**
 * Exit codes of the worker process: 2 for configuration (fix the Deployment;
 * restarting will not help), 1 for anything else (Temporal unreachable, a
 * worker crashed), 0 after a graceful shutdown.
 */
export const WORKER_EXIT = { ok: 0, failure: 1, config: 2 } as const;

/** A configuration error that carries its exit code, so `stackwright worker` (the CLI) exits 2 as well. */
export class WorkerConfigError extends ConfigError {
  readonly exitCode = WORKER_EXIT.config;
}

/** The message and its causes on one line ("connect failed: ECONNREFUSED ..."), no stack trace. */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e; c !== undefined && c !== null && parts.length < 5;) {
    const m = c instanceof Error ? c.message : String(c);
    if (m && !parts.some((p) => p.includes(m))) parts.push(m);
    c = c instanceof Error ? c.cause : undefined;
  }
  return parts.join(': ');
}

/** What the process prints and exits with for a failure. */
export function failureExit(e: unknown): { code: number; line: string } {
  const config = e instanceof ConfigError;
  return {
    code: config ? WORKER_EXIT.config : WORKER_EXIT.failure,
    line: `stackwright worker: ${config ? '' : 'failed: '}${describeError(e)}\n`,
  };
}
