import type { LogLevel, LogMetadata, Logger } from '@temporalio/worker';
import pino from 'pino';

/**
 * Structured logs. Anything that could carry a credential is redacted by path,
 * whatever its depth in the log object (headers, tokens, passwords, API keys).
 */
export const REDACT_PATHS = [
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
];

export function createLogger(level: string, destination?: pino.DestinationStream): pino.Logger {
  return pino(
    { level, base: { app: 'stackwright' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    destination,
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
