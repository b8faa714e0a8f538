import { describe, expect, it } from '@jest/globals';
import type { Cleanup } from './helpers.js';
import { useContractTarget, suffix } from './helpers.js';
import { type ContractTarget } from './target.js';

describe('Grafana contract: reading data sources', () => {
  let target: ContractTarget;
  let cleanup: Cleanup;
  useContractTarget((t, c) => ((target = t), (cleanup = c)));

  const notFound = { message: 'Data source not found' };

  it('GET /uid/:uid returns the full DTO; an unknown uid is 404', async () => {
    const ds = await cleanup.createDs({
      jsonData: { httpMethod: 'GET' },
      secureJsonData: { basicAuthPassword: 's' },
    });
    const res = await target.api.get(`/api/datasources/uid/${ds.uid}`);
    expect(res.status).toBe(200);
    expect(res.data).toEqual(
      expect.objectContaining({ ...ds, secureJsonFields: { basicAuthPassword: true } }),
    );
    expect(res.data).not.toHaveProperty('accessControl');

    const missing = await target.api.get(`/api/datasources/uid/missing-${suffix()}`);
    expect(missing.status).toBe(404);
    expect(missing.data).toMatchObject(notFound);
  });

  it('GET /uid/:uid?accesscontrol=true adds the caller’s data source permissions', async () => {
    const ds = await cleanup.createDs();
    const res = await target.api.get(`/api/datasources/uid/${ds.uid}`, { params: { accesscontrol: 'true' } });
    expect(res.status).toBe(200);
    expect((res.data as { accessControl: unknown }).accessControl).toMatchObject({
      'datasources:read': true,
      'datasources:write': true,
      'datasources:delete': true,
    });
  });

  it('GET /name/:name returns the same DTO (names are URL-escaped); unknown is 404', async () => {
    const ds = await cleanup.createDs({ name: `contract read ${suffix()} é+%` });
    const res = await target.api.get(`/api/datasources/name/${encodeURIComponent(ds.name)}`);
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ id: ds.id, uid: ds.uid, name: ds.name, version: ds.version });

    const missing = await target.api.get(`/api/datasources/name/missing-${suffix()}`);
    expect(missing.status).toBe(404);
    expect(missing.data).toMatchObject(notFound);
  });

  it('GET /:id (deprecated) returns the DTO; a non-numeric id is 400, an unknown one 404', async () => {
    const ds = await cleanup.createDs();
    const res = await target.api.get(`/api/datasources/${ds.id}`);
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ id: ds.id, uid: ds.uid, name: ds.name });

    const bad = await target.api.get('/api/datasources/not-a-number');
    expect(bad.status).toBe(400);
    expect(bad.data).toMatchObject({ message: 'id is invalid' });

    const missing = await target.api.get('/api/datasources/987654321');
    expect(missing.status).toBe(404);
    expect(missing.data).toMatchObject(notFound);
  });

  it('GET /id/:name returns just {"id"}', async () => {
    const ds = await cleanup.createDs();
    const res = await target.api.get(`/api/datasources/id/${encodeURIComponent(ds.name)}`);
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ id: ds.id });

    const missing = await target.api.get(`/api/datasources/id/missing-${suffix()}`);
    expect(missing.status).toBe(404);
  });

  it('GET /api/datasources lists list-shaped items sorted case-insensitively by name', async () => {
    const s = suffix();
    // Case-insensitive order puts "ci-…-a" first; a case-sensitive sort would put "CI-…-b" first.
    const upper = await cleanup.createDs({ name: `CI-${s}-b` });
    const lower = await cleanup.createDs({ name: `ci-${s}-a`, secureJsonData: { x: 'y' } });
    const res = await target.api.get('/api/datasources');
    expect(res.status).toBe(200);
    const items = res.data as Record<string, unknown>[];
    const names = items.map((d) => d.name as string);
    expect(names.indexOf(lower.name)).toBeGreaterThanOrEqual(0);
    expect(names.indexOf(lower.name)).toBeLessThan(names.indexOf(upper.name));
    const sorted = [...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
    expect(names.map((n) => n.toLowerCase())).toEqual(sorted.map((n) => n.toLowerCase()));

    const item = items.find((d) => d.uid === lower.uid);
    expect(item).toMatchObject({
      id: lower.id,
      uid: lower.uid,
      orgId: expect.any(Number),
      name: lower.name,
      type: 'prometheus',
      typeName: 'Prometheus',
      typeLogoUrl: expect.any(String),
      access: 'proxy',
      url: expect.any(String),
      user: '',
      database: '',
      basicAuth: false,
      isDefault: expect.any(Boolean),
      jsonData: {},
      readOnly: false,
    });
    for (const absent of ['basicAuthUser', 'withCredentials', 'secureJsonFields', 'version']) {
      expect(item).not.toHaveProperty(absent);
    }
  });
});
