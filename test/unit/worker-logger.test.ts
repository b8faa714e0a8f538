import { describe, expect, it } from '@jest/globals';
import { AxiosError, AxiosHeaders, type InternalAxiosRequestConfig } from 'axios';
import { createLogger, REDACT_PATHS, REDACTED, temporalLogger } from '../../observability/logger.js';

/** The worker's pino logger: whatever a logged object looks like, credentials come out `[redacted]`. */

function capture() {
  const lines: string[] = [];
  // A pino destination stream: each write is one JSON line.
  const logger = createLogger('trace', { write: (line: string) => void lines.push(line) });
  return { logger, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** An error the way axios throws it for a Grafana call that carried a token and Basic auth. */
function grafanaAxiosError(): AxiosError {
  const config = {
    url: 'https://grafana.example.com/api/datasources/uid/sw-1',
    method: 'get',
    headers: new AxiosHeaders({ Authorization: 'Bearer glsa_SECRET_1', Accept: 'application/json' }),
    auth: { username: 'admin', password: 'SECRET_2' },
  } as InternalAxiosRequestConfig;
  const request = { _header: 'GET /api/datasources HTTP/1.1\r\nAuthorization: Bearer glsa_SECRET_3\r\n\r\n' };
  return new AxiosError('Request failed with status code 401', 'ERR_BAD_REQUEST', config, request, {
    status: 401,
    statusText: 'Unauthorized',
    headers: {},
    data: { message: 'invalid API key' },
    config,
    request,
  });
}

describe('worker logger redaction', () => {
  it('is one list without repeats', () => {
    expect(new Set(REDACT_PATHS).size).toBe(REDACT_PATHS.length);
  });

  it('redacts headers, tokens, a Grafana axios error and nested passwords', () => {
    const { logger, records } = capture();
    logger.info({ headers: { Authorization: 'Bearer SECRET_A' } }, 'request');
    logger.info({ req: { headers: { authorization: 'Basic SECRET_B' } } }, 'nested request');
    logger.info({ token: 'SECRET_C', apiKey: 'SECRET_D' }, 'top-level credentials');
    logger.info({ temporal: { apiKey: 'SECRET_E' }, grafana: { token: 'SECRET_F' } }, 'nested credentials');
    logger.info({ user: { name: 'admin', password: 'SECRET_G' } }, 'nested password');
    logger.error({ err: grafanaAxiosError() }, 'grafana call failed');

    const out = JSON.stringify(records());
    expect(out).not.toMatch(/SECRET/);
    const [headers, req, top, nested, user, failed] = records();
    expect(headers).toMatchObject({ headers: { Authorization: REDACTED } });
    expect(req).toMatchObject({ req: { headers: { authorization: REDACTED } } });
    expect(top).toMatchObject({ token: REDACTED, apiKey: REDACTED });
    expect(nested).toMatchObject({ temporal: { apiKey: REDACTED }, grafana: { token: REDACTED } });
    expect(user).toMatchObject({ user: { name: 'admin', password: REDACTED } });
    // What stays is what an operator needs to debug the call.
    expect(failed).toMatchObject({
      msg: 'grafana call failed',
      err: {
        message: 'Request failed with status code 401',
        config: { url: expect.stringContaining('/api/datasources/'), auth: REDACTED },
        request: { _header: REDACTED },
        response: { status: 401, config: { headers: { Authorization: REDACTED } } },
      },
    });
    const err = (failed as { err: { config: { headers: Record<string, unknown> } } }).err;
    expect(err.config.headers).toMatchObject({ Authorization: REDACTED, Accept: 'application/json' });
  });

  it('redacts metadata passed through the Temporal logger adapter', () => {
    const { logger, records } = capture();
    temporalLogger(logger).warn('activity failed', {
      error: { config: { headers: { Authorization: 'Bearer SECRET_H' } } },
      password: 'SECRET_I',
    });
    expect(JSON.stringify(records())).not.toMatch(/SECRET/);
    expect(records()[0]).toMatchObject({ level: 40, msg: 'activity failed', password: REDACTED });
  });
});
