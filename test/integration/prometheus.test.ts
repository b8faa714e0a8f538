import { describe, expect, it } from '@jest/globals';
import { requireEnv } from '../support/env.js';

describe('Prometheus (Debian package, plain process)', () => {
  const url = requireEnv('PROMETHEUS_URL');

  it('answers an instant query', async () => {
    const res = await fetch(`${url}/api/v1/query`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'query=1%2B1&time=4',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'success', data: { resultType: 'scalar', result: [4, '2'] } });
  });

  it('reports its build info like a real Prometheus', async () => {
    const res = await fetch(`${url}/api/v1/status/buildinfo`);
    const body = (await res.json()) as { status: string; data: { version: string } };
    expect(body.status).toBe('success');
    expect(body.data.version).toMatch(/^2\./);
  });

  it('rejects a bad query with a Prometheus error', async () => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent('sum(')}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });
});
