import { describe, expect, it } from '@jest/globals';
import type { Cleanup } from './helpers.js';
import { useContractTarget } from './helpers.js';
import { type ContractTarget } from './target.js';

describe('Grafana contract: DELETE /api/datasources', () => {
  let target: ContractTarget;
  let cleanup: Cleanup;
  useContractTarget((t, c) => ((target = t), (cleanup = c)));

  const notFound = { message: 'Data source not found' };

  it('deletes by uid with {message, id}; it is then gone and a second delete is 404', async () => {
    const ds = await cleanup.createDs();
    const res = await target.api.delete(`/api/datasources/uid/${ds.uid}`);
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ message: 'Data source deleted', id: ds.id });

    const get = await target.api.get(`/api/datasources/uid/${ds.uid}`);
    expect(get.status).toBe(404);
    const again = await target.api.delete(`/api/datasources/uid/${ds.uid}`);
    expect(again.status).toBe(404);
    expect(again.data).toMatchObject(notFound);
  });

  it('deletes by name with {message, id}', async () => {
    const ds = await cleanup.createDs();
    const res = await target.api.delete(`/api/datasources/name/${encodeURIComponent(ds.name)}`);
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ message: 'Data source deleted', id: ds.id });
    expect((await target.api.get(`/api/datasources/name/${encodeURIComponent(ds.name)}`)).status).toBe(404);
    expect((await target.api.delete(`/api/datasources/name/${encodeURIComponent(ds.name)}`)).status).toBe(
      404,
    );
  });

  it('deletes by id (deprecated) with a body that has no id; id 0 is a 400', async () => {
    const ds = await cleanup.createDs();
    const res = await target.api.delete(`/api/datasources/${ds.id}`);
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ message: 'Data source deleted' });
    const again = await target.api.delete(`/api/datasources/${ds.id}`);
    expect(again.status).toBe(404);
    expect(again.data).toMatchObject(notFound);

    const zero = await target.api.delete('/api/datasources/0');
    expect(zero.status).toBe(400);
    expect(zero.data).toMatchObject({ message: 'Missing valid datasource id' });
  });
});
