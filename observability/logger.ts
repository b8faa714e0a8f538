import type { LogLevel, LogMetadata, Logger } from '@temporalio/worker';
import pino from 'pino';

/**
 * The one list of log paths that may carry a credential, for every process:
 * our own fields (tokens, passwords, API keys, Authorization headers) and
 * whatever an HTTP client leaves in a logged error object (axios request
 * config and Basic auth, repeated under `response`; Node's raw request header
 * text). Activities never log credentials; this guards against a logged error.
 */
export const REDACT_PATHS: readonly string[] = [
  'token',
  'apiKey',
  'password',
  'authorization',
  'Authorization',
  ...['', '*.', 'config.', '*.config.', '*.response.config.'].flatMap((at) => [
    `${at}headers.authorization`,
    `${at}headers.Authorization`,
  ]),
  '*.token',
  '*.apiKey',
  '*.password',
  '*.authorization',
  '*.Authorization',
  'config.auth',
  '*.config.auth',
  '*.response.config.auth',
  'request._header',
  '*.request._header',
  '*.response.request._header',
];

export const REDACTED = '[redacted]';

/** Logs go to stdout (containers), or to the file in STACKWRIGHT_LOG_FILE (`npm start` keeps its console for progress). */
export function createLogger(level: string, destination?: pino.DestinationStream): pino.Logger {
  const file = process.env.STACKWRIGHT_LOG_FILE;
  return pino(
    { level, base: { app: 'stackwright' }, redact: { paths: [...REDACT_PATHS], censor: REDACTED } },
    destination ?? (file ? pino.destination({ dest: file, mkdir: true, append: true }) : undefined),
  );
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Temporal's Logger interface on top of pino, so SDK and workflow logs are structured and redacted too. */
export function temporalLogger(p: pino.Logger): Logger {
  const at = (l: LogLevel) => (message: string, meta?: LogMetadata) => p[LEVELS[l]](meta ?? {}, message);
  return {
    log: (l: LogLevel, message: string, meta?: LogMetadata) => at(l)(message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}
