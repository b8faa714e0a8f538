import type { LogLevel, LogMetadata, Logger } from '@temporalio/worker';
import pino from 'pino';
import { GRAFANA_REDACT_PATHS } from '../activities/grafana/config.js';

/**
 * Structured logs. Anything that could carry a credential is redacted by path:
 * our own fields (headers, tokens, passwords, API keys) plus everything the
 * Grafana client may leave in a logged error (axios config and raw request headers).
 */
export const REDACT_PATHS: readonly string[] = [
  ...new Set([
    'token',
    'apiKey',
    'password',
    'authorization',
    'Authorization',
    'headers.authorization',
    'headers.Authorization',
    '*.token',
    '*.apiKey',
    '*.password',
    '*.authorization',
    '*.Authorization',
    '*.headers.authorization',
    '*.headers.Authorization',
    'config.headers.Authorization',
    '*.config.headers.Authorization',
    ...GRAFANA_REDACT_PATHS,
    // An axios error repeats its request config under response: Basic auth and lowercase headers there too.
    '*.response.config.auth',
    '*.response.config.headers.authorization',
  ]),
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
