import { describe, expect, it } from '@jest/globals';
import type { Cleanup } from './helpers.js';
import { useContractTarget, closedPort, HEALTH_SUFFIX, suffix } from './helpers.js';
import { type ContractTarget } from './target.js';

// Must be reachable from Grafana itself (not just from this test process).
const prometheusUrl = process.env.CONTRACT_PROMETHEUS_URL || process.env.PROMETHEUS_URL;

describe('Grafana contract: data source health', () => {
  let target: ContractTarget;
  let cleanup: Cleanup;
  useContractTarget((t, c) => ((target = t), (cleanup = c)));

  const health = (uid: string) => target.api.get(`/api/datasources/uid/${uid}/health`);

  (prometheusUrl ? it : it.skip)(
    prometheusUrl
      ? `reports OK (200) for a reachable Prometheus (${prometheusUrl})`
      : 'reports OK for a reachable Prometheus — SKIPPED: set CONTRACT_PROMETHEUS_URL or PROMETHEUS_URL',
    async () => {
      const ds = await cleanup.createDs({ url: prometheusUrl });
      const res = await health(ds.uid);
      expect(res.status).toBe(200);
      expect(res.data).toMatchObject({ status: 'OK', message: 'Successfully queried the Prometheus API.' });
      const details = (res.data as { details?: unknown }).details;
      if (details !== undefined) {
        expect(details).toMatchObject({
          application: expect.stringMatching(/^(Prometheus|Mimir)$/),
          features: { rulerApiEnabled: expect.any(Boolean) },
        });
      }
    },
  );

  it('reports ERROR (400, not a bad request) when Prometheus is down', async () => {
    const port = await closedPort();
    const ds = await cleanup.createDs({ url: `http://127.0.0.1:${port}` });
    const res = await target.api.post(`/api/datasources/uid/${ds.uid}/health`); // any method is routed
    expect(res.status).toBe(400);
    const body = res.data as { status: string; message: string };
    expect(body.status).toBe('ERROR');
    expect(body.message.endsWith(HEALTH_SUFFIX)).toBe(true);
    expect(body.message).toContain(`Post "http://127.0.0.1:${port}/api/v1/query"`);
    expect(body.message).toContain('connection refused');
  });

  it('queries with GET when jsonData.httpMethod is GET (the path is joined onto the URL path)', async () => {
    const port = await closedPort();
    const ds = await cleanup.createDs({
      url: `http://127.0.0.1:${port}/prom/`,
      jsonData: { httpMethod: 'GET' },
    });
    const res = await health(ds.uid);
    expect(res.status).toBe(400);
    const message = (res.data as { message: string }).message;
    expect(message).toMatch(new RegExp(`^Get "http://127\\.0\\.0\\.1:${port}/prom/api/v1/query\\?`));
    expect(message.endsWith(HEALTH_SUFFIX)).toBe(true);
  });

  it('answers 500 Unable to load datasource metadata for an unknown uid (not 404)', async () => {
    const res = await health(`missing-${suffix()}`);
    expect(res.status).toBe(500);
    expect(res.data).toMatchObject({ message: 'Unable to load datasource metadata' });
  });

  it('answers 400 UID is invalid for a uid with illegal characters', async () => {
    const res = await health(`bad.uid~${suffix()}`);
    expect(res.status).toBe(400);
    expect(res.data).toMatchObject({ message: 'UID is invalid' });
  });

  it('serves the deprecated /:id/health route the same way', async () => {
    const port = await closedPort();
    const ds = await cleanup.createDs({ url: `http://127.0.0.1:${port}` });
    const res = await target.api.get(`/api/datasources/${ds.id}/health`);
    expect(res.status).toBe(400);
    expect(res.data).toMatchObject({
      status: 'ERROR',
      message: expect.stringContaining('connection refused'),
    });
  });
});
