import { ApplicationFailure } from '@temporalio/common';

/**
 * One rule for every HTTP API the activities call (Kubernetes, Grafana):
 * a 4xx that retrying cannot fix is non-retryable, with a message a person can
 * act on; 408, 429, 5xx and network errors are retryable, and a Retry-After
 * header sets the next retry delay.
 */
export interface HttpFailureInput {
  system: 'grafana' | 'kubernetes';
  /** What was being done, e.g. "create datasource sw-1234" or "apply StatefulSet team-a/web-prometheus". */
  operation: string;
  /** HTTP status; undefined for network errors and timeouts. */
  status?: number;
  /** The server's own message (Grafana's `message`, Kubernetes' Status.message) or the network error. */
  message: string;
  /** Retry-After header value: seconds or an HTTP date. */
  retryAfter?: string | null;
  /** Statuses that are retryable in this operation's context (e.g. 409 on a Kubernetes update race). */
  alsoRetryable?: number[];
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);
const MAX_RETRY_AFTER_MS = 10 * 60_000;
/**
 * `Retry-After: 0`, or an HTTP date already past, means "retry now". Temporal
 * reads a next-retry delay of 0 as "no retry", so "now" is this short pause.
 */
export const MIN_RETRY_AFTER_MS = 250;

/** The delay a Retry-After header asks for; undefined when absent or unparsable (negative seconds are junk). */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const secs = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : undefined;
  const ms = secs !== undefined ? secs * 1000 : /^-/.test(trimmed) ? NaN : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, MIN_RETRY_AFTER_MS), MAX_RETRY_AFTER_MS);
}

export function isRetryableStatus(status: number | undefined, alsoRetryable: number[] = []): boolean {
  return status === undefined || status >= 500 || RETRYABLE.has(status) || alsoRetryable.includes(status);
}

const title = { grafana: 'Grafana', kubernetes: 'Kubernetes' } as const;

export function httpFailure(input: HttpFailureInput): ApplicationFailure {
  const { system, operation, status, message } = input;
  const retryable = isRetryableStatus(status, input.alsoRetryable);
  const what = status === undefined ? 'could not be reached' : `answered ${status}`;
  const hint =
    status === 401
      ? ' (check the credentials configured for it)'
      : status === 403
        ? ' (the credentials lack permission)'
        : '';
  const delay = retryAfterMs(input.retryAfter);
  return ApplicationFailure.create({
    message: `${operation}: ${title[system]} ${what}: ${message}${hint}`,
    type: `${title[system]}${status === undefined ? 'Unreachable' : `Http${status}`}`,
    nonRetryable: !retryable,
    details: [{ system, status: status ?? null }],
    ...(retryable && delay !== undefined ? { nextRetryDelay: delay } : {}),
  });
}
