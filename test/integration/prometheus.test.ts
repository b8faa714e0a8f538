import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { requireEnv } from '../support/env.js';

// Prometheus 3.MM.P is published as Go module version v0.3MM.P; the dev stack builds the one tools/prometheus pins.
function pinnedPrometheusVersion(): string {
  const goMod = readFileSync(new URL('../../tools/prometheus/go.mod', import.meta.url), 'utf8');
  const m = /github\.com\/prometheus\/prometheus v0\.(\d)(\d\d)\.(\d+)/.exec(goMod);
  if (!m) throw new Error('tools/prometheus/go.mod does not pin github.com/prometheus/prometheus');
  return `${m[1]}.${Number(m[2])}.${m[3]}`;
}

describe('Prometheus (built from tools/prometheus, plain process)', () => {
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
    expect(body.data.version).toBe(pinnedPrometheusVersion());
  });

  it('rejects a bad query with a Prometheus error', async () => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent('sum(')}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });
});
