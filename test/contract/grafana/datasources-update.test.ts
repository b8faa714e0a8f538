import { describe, expect, it } from '@jest/globals';
import type { Cleanup } from './helpers.js';
import { useContractTarget, suffix, type CreatedDs } from './helpers.js';
import { type ContractTarget } from './target.js';

describe('Grafana contract: PUT /api/datasources', () => {
  let target: ContractTarget;
  let cleanup: Cleanup;
  useContractTarget((t, c) => ((target = t), (cleanup = c)));

  const put = (uid: string, body: Record<string, unknown>) =>
    target.api.put(`/api/datasources/uid/${uid}`, body);
  const base = (ds: CreatedDs) => ({
    name: ds.name,
    type: 'prometheus',
    access: 'proxy',
    url: 'http://127.0.0.1:9',
  });
  const get = async (uid: string) => (await target.api.get(`/api/datasources/uid/${uid}`)).data as CreatedDs;
  const stale = 'Datasource has already been updated by someone else. Please reload and try again';

  it('updates with the current version: 200, version+1, mostly full replace', async () => {
    const ds = await cleanup.createDs({ user: 'u', database: 'db', basicAuthUser: 'bu', jsonData: { a: 1 } });
    const res = await put(ds.uid, {
      ...base(ds),
      url: 'http://127.0.0.1:19',
      jsonData: { b: 2 },
      version: 1,
    });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ message: 'Datasource updated', id: ds.id, name: ds.name });
    const expected = {
      uid: ds.uid,
      url: 'http://127.0.0.1:19',
      version: 2,
      jsonData: { b: 2 },
      user: '', // omitted → cleared
      database: '', // omitted → cleared
      basicAuthUser: 'bu', // omitted → kept (zero values are skipped)
    };
    expect((res.data as { datasource: unknown }).datasource).toMatchObject(expected);
    expect(await get(ds.uid)).toMatchObject(expected);
  });

  it('rejects a stale version with 409 and changes nothing', async () => {
    const ds = await cleanup.createDs();
    expect((await put(ds.uid, { ...base(ds), version: 1 })).status).toBe(200); // now 2
    expect((await put(ds.uid, { ...base(ds), version: 2 })).status).toBe(200); // now 3
    const res = await put(ds.uid, { ...base(ds), name: `${ds.name}-renamed`, version: 1 });
    expect(res.status).toBe(409);
    expect(res.data).toMatchObject({ message: stale });
    expect(await get(ds.uid)).toMatchObject({ name: ds.name, version: 3 });
  });

  it('omitted version skips the check and resets the stored version to 1', async () => {
    const ds = await cleanup.createDs();
    await put(ds.uid, { ...base(ds), version: 1 });
    await put(ds.uid, { ...base(ds), version: 2 });
    const res = await put(ds.uid, base(ds));
    expect(res.status).toBe(200);
    expect((res.data as { datasource: CreatedDs }).datasource.version).toBe(1);
  });

  it('accepts a version higher than stored; the stored version becomes v+1', async () => {
    const ds = await cleanup.createDs();
    const res = await put(ds.uid, { ...base(ds), version: 10 });
    expect(res.status).toBe(200);
    expect((res.data as { datasource: CreatedDs }).datasource.version).toBe(11);
    expect((await put(ds.uid, { ...base(ds), version: 10 })).status).toBe(409);
  });

  it('rejects renaming onto another data source’s name (409; 500 on Grafana ≤9)', async () => {
    const a = await cleanup.createDs();
    const b = await cleanup.createDs();
    const res = await put(b.uid, { ...base(b), name: a.name, version: b.version });
    expect([409, 500]).toContain(res.status);
    if (res.status === 409) {
      expect(res.data).toMatchObject({
        message: 'Failed to update datasource: data source with the same name already exists',
      });
    }
    expect((await get(b.uid)).name).toBe(b.name);
  });

  it('requires name, type and access (400 bad request data)', async () => {
    const ds = await cleanup.createDs();
    for (const missing of ['name', 'type', 'access']) {
      const res = await put(ds.uid, { ...base(ds), [missing]: undefined });
      expect(res.status).toBe(400);
      expect(res.data).toMatchObject({ message: 'bad request data' });
    }
  });

  it('rejects an empty url for Prometheus and an unparsable url (400)', async () => {
    const ds = await cleanup.createDs();
    for (const url of ['', undefined, 'http://host:port']) {
      const res = await put(ds.uid, { ...base(ds), url });
      expect(res.status).toBe(400);
      expect(res.data).toMatchObject({ message: 'Validation error, invalid URL' });
    }
  });

  it('answers 404 for an unknown uid', async () => {
    const res = await put(`missing-${suffix()}`, {
      name: `n-${suffix()}`,
      type: 'prometheus',
      access: 'proxy',
      url: 'http://x',
    });
    expect(res.status).toBe(404);
    expect(res.data).toMatchObject({ message: 'Data source not found' });
  });

  it('merges secureJsonData: sent keys replace, absent keys stay, "" clears', async () => {
    const ds = await cleanup.createDs({
      secureJsonData: { basicAuthPassword: 'p1', httpHeaderValue1: 'h1' },
    });
    expect(ds.secureJsonFields).toEqual({ basicAuthPassword: true, httpHeaderValue1: true });

    const keep = await put(ds.uid, { ...base(ds), secureJsonData: null });
    expect((keep.data as { datasource: CreatedDs }).datasource.secureJsonFields).toEqual({
      basicAuthPassword: true,
      httpHeaderValue1: true,
    });
    const merged = await put(ds.uid, { ...base(ds), secureJsonData: { httpHeaderValue1: '', token: 't' } });
    expect(merged.status).toBe(200);
    expect((merged.data as { datasource: CreatedDs }).datasource.secureJsonFields).toEqual({
      basicAuthPassword: true,
      token: true,
    });
    expect((await get(ds.uid)).secureJsonFields).toEqual({ basicAuthPassword: true, token: true });
  });

  it('PUT /:id (deprecated) updates too; a non-numeric id is 400', async () => {
    const ds = await cleanup.createDs();
    const res = await target.api.put(`/api/datasources/${ds.id}`, {
      ...base(ds),
      user: 'via-id',
      version: 1,
    });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ message: 'Datasource updated', id: ds.id });
    expect(await get(ds.uid)).toMatchObject({ user: 'via-id', version: 2 });

    const bad = await target.api.put('/api/datasources/abc', base(ds));
    expect(bad.status).toBe(400);
    expect(bad.data).toMatchObject({ message: 'id is invalid' });
  });

  it('changes the uid to a free one, but a taken uid is a 500', async () => {
    const a = await cleanup.createDs();
    const b = await cleanup.createDs();
    const taken = await put(b.uid, { ...base(b), uid: a.uid });
    expect(taken.status).toBe(500);
    expect(taken.data).toMatchObject({ message: 'Failed to update datasource' });

    const fresh = `moved-${suffix()}`;
    cleanup.trackDs(fresh);
    const moved = await put(b.uid, { ...base(b), uid: fresh });
    expect(moved.status).toBe(200);
    expect((moved.data as { datasource: CreatedDs }).datasource).toMatchObject({ id: b.id, uid: fresh });
    expect((await target.api.get(`/api/datasources/uid/${b.uid}`)).status).toBe(404);
  });
});
