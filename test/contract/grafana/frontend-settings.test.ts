import { describe, expect, it } from '@jest/globals';
import { serviceAccountToken, useContractTarget, type Cleanup } from './helpers.js';
import type { ContractTarget } from './target.js';

/** `GET /api/frontend/settings`: where clients such as grafana-operator read the server version. */
describe('Grafana contract: frontend settings', () => {
  let target: ContractTarget;
  let cleanup: Cleanup;
  useContractTarget((t, c) => {
    target = t;
    cleanup = c;
  });

  const versionShape = {
    buildInfo: expect.objectContaining({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) }),
    appSubUrl: expect.any(String),
  };

  it('answers the authenticated caller with buildInfo.version', async () => {
    const res = await target.api.get('/api/frontend/settings');
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
    expect(res.data).toMatchObject(versionShape);
  });

  it('needs no permission: a Viewer service-account token reads it too', async () => {
    const { key } = await serviceAccountToken(target, cleanup, 'Viewer');
    const res = await target.as(`Bearer ${key}`).get('/api/frontend/settings');
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject(versionShape);
  });

  it('takes a trailing slash, as Grafana registers the route', async () => {
    const res = await target.api.get('/api/frontend/settings/');
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject(versionShape);
  });

  it('needs sign-in: 401 without credentials, 401 with a malformed token', async () => {
    const anonymous = await target.as().get('/api/frontend/settings');
    expect(anonymous.status).toBe(401);
    expect(anonymous.data).toMatchObject({ message: 'Unauthorized' });
    const bad = await target.as('Bearer glsa_not-a-token').get('/api/frontend/settings');
    expect(bad.status).toBe(401);
    expect(bad.data).toMatchObject({ message: 'Invalid API key' });
  });

  it('refuses other methods (not a write endpoint)', async () => {
    const res = await target.api.post('/api/frontend/settings', {});
    expect([404, 405]).toContain(res.status);
  });
});
