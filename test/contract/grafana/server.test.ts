import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openTarget, type ContractTarget } from './target.js';

describe('Grafana contract: server endpoints', () => {
  let target: ContractTarget;
  beforeAll(async () => {
    target = await openTarget();
  });
  afterAll(() => target.close());

  it('GET /api/health needs no auth and is pretty-printed JSON', async () => {
    const res = await target
      .as()
      .get('/api/health', { responseType: 'text', transformResponse: (d: unknown) => d });
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
    const text = res.data as string;
    expect(text).toMatch(/^\{\n {2}"/);
    expect(JSON.parse(text)).toMatchObject({
      database: 'ok',
      version: expect.any(String),
      commit: expect.any(String),
    });
  });

  it('GET /healthz answers plain Ok', async () => {
    const res = await target.as().get('/healthz', { responseType: 'text' });
    expect(res.status).toBe(200);
    expect(res.data).toBe('Ok');
  });

  it('answers an unknown /api route with 404 {"message":"Not found"}', async () => {
    const res = await target.api.get('/api/definitely-not-a-route');
    expect(res.status).toBe(404);
    expect(res.data).toMatchObject({ message: 'Not found' });
  });

  it('no longer creates legacy API keys (410, or a 301 to service accounts on some 11.x)', async () => {
    const res = await target.api.post(
      '/api/auth/keys',
      { name: 'legacy', role: 'Viewer' },
      { maxRedirects: 0 },
    );
    expect([410, 301]).toContain(res.status);
    if (res.status === 410)
      expect((res.data as { message: string }).message).toMatch(/endpoint has been removed/);
  });
});
