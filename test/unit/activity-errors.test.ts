import { describe, expect, it } from '@jest/globals';
import { httpFailure, MIN_RETRY_AFTER_MS, retryAfterMs } from '../../activities/errors.js';

describe('HTTP error classification', () => {
  it.each([400, 401, 403, 404, 409, 422])('%i is non-retryable with a clear message', (status) => {
    const f = httpFailure({ system: 'grafana', operation: 'create datasource x', status, message: 'nope' });
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toBe(
      `create datasource x: Grafana answered ${status}: nope${status === 401 ? ' (check the credentials configured for it)' : status === 403 ? ' (the credentials lack permission)' : ''}`,
    );
    expect(f.type).toBe(`GrafanaHttp${status}`);
  });

  it.each([408, 429, 500, 502, 503, 504])('%i is retryable', (status) => {
    expect(httpFailure({ system: 'kubernetes', operation: 'op', status, message: 'm' }).nonRetryable).toBe(
      false,
    );
  });

  it('network errors are retryable', () => {
    const f = httpFailure({ system: 'grafana', operation: 'op', message: 'connect ECONNREFUSED' });
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe('GrafanaUnreachable');
    expect(f.message).toContain('could not be reached');
  });

  it('a context may make a 4xx retryable (a 409 update race)', () => {
    expect(
      httpFailure({ system: 'kubernetes', operation: 'op', status: 409, message: 'm', alsoRetryable: [409] })
        .nonRetryable,
    ).toBe(false);
  });

  it('honours Retry-After in seconds and as an HTTP date, capped, ignoring junk', () => {
    expect(
      httpFailure({ system: 'grafana', operation: 'op', status: 429, message: 'm', retryAfter: '7' })
        .nextRetryDelay,
    ).toBe(7000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('99999', now)).toBe(600_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-5', now)).toBeUndefined();
    expect(retryAfterMs(' 7 ', now)).toBe(7000);

    // Not on a non-retryable failure: it will not be retried at all.
    expect(
      httpFailure({ system: 'grafana', operation: 'op', status: 400, message: 'm', retryAfter: '7' })
        .nextRetryDelay,
    ).toBeUndefined();
  });

  it('Retry-After: 0 or a date in the past means "retry now": a short positive delay, never 0', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('0', now)).toBe(MIN_RETRY_AFTER_MS);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(MIN_RETRY_AFTER_MS);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:00 GMT', now)).toBe(MIN_RETRY_AFTER_MS);
    expect(MIN_RETRY_AFTER_MS).toBeGreaterThan(0);
    for (const retryAfter of ['0', 'Mon, 01 Jan 2024 00:00:00 GMT']) {
      const f = httpFailure({ system: 'grafana', operation: 'op', status: 429, message: 'm', retryAfter });
      expect(f.nonRetryable).toBe(false);
      expect(f.nextRetryDelay).toBe(MIN_RETRY_AFTER_MS);
    }
  });
});
