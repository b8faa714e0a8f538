import { describe, expect, it } from '@jest/globals';
import type { Cleanup } from './helpers.js';
import { useContractTarget, dsBody, suffix, type CreatedDs } from './helpers.js';
import { type ContractTarget } from './target.js';

describe('Grafana contract: POST /api/datasources', () => {
  let target: ContractTarget;
  let cleanup: Cleanup;
  useContractTarget((t, c) => ((target = t), (cleanup = c)));

  const create = async (body: unknown) => {
    const res = await target.api.post('/api/datasources', body);
    const uid = (res.data as { datasource?: { uid?: string } } | undefined)?.datasource?.uid;
    if (uid) cleanup.trackDs(uid);
    return res;
  };

  it('answers 200 (not 201) with message, id, name and the full DTO', async () => {
    const body = dsBody({
      user: 'u',
      database: 'db',
      basicAuth: true,
      basicAuthUser: 'bu',
      withCredentials: true,
      jsonData: { httpMethod: 'POST', timeInterval: '15s' },
    });
    const res = await create(body);
    expect(res.status).toBe(200);
    const data = res.data as {
      message: string;
      id: number;
      name: string;
      datasource: Record<string, unknown>;
    };
    expect(data).toMatchObject({ message: 'Datasource added', name: body.name, id: expect.any(Number) });
    expect(data.datasource).toMatchObject({
      id: data.id,
      uid: expect.any(String),
      orgId: expect.any(Number),
      name: body.name,
      type: 'prometheus',
      typeLogoUrl: expect.any(String),
      access: 'proxy',
      url: body.url,
      user: 'u',
      database: 'db',
      basicAuth: true,
      basicAuthUser: 'bu',
      withCredentials: true,
      jsonData: { httpMethod: 'POST', timeInterval: '15s' },
      secureJsonFields: {},
      version: 1,
      readOnly: false,
    });
    // Current servers never echo secrets, not even the legacy password fields the docs still show.
    expect(data.datasource).not.toHaveProperty('password');
    expect(data.datasource).not.toHaveProperty('basicAuthPassword');
    expect(data.datasource).not.toHaveProperty('secureJsonData');
  });

  it('generates a uid when none is given and keeps a given one', async () => {
    const generated = await create(dsBody());
    expect(generated.status).toBe(200);
    const uid = (generated.data as { datasource: CreatedDs }).datasource.uid;
    // 10.3+: 14 lowercase alphanumerics starting with a letter (some builds: UUID-shaped).
    expect(uid).toMatch(/^(?:[a-z][a-z0-9]{13}|[a-z][0-9a-f-]{35})$/);

    const given = `c-${suffix()}_X`;
    const kept = await create(dsBody({ uid: given }));
    expect(kept.status).toBe(200);
    expect((kept.data as { datasource: CreatedDs }).datasource.uid).toBe(given);
  });

  it('auto-names a data source sent without a name as <type> or <type>-N', async () => {
    const first = await create(dsBody({ name: '' }));
    const second = await create(dsBody({ name: undefined }));
    expect([first.status, second.status]).toEqual([200, 200]);
    const names = [first, second].map((r) => (r.data as { name: string }).name);
    for (const name of names) expect(name).toMatch(/^prometheus(?:-\d+)?$/);
    expect(names[0]).not.toBe(names[1]);
  });

  it('ignores readOnly, id, orgId and version in the body', async () => {
    const res = await create(dsBody({ readOnly: true, id: 999_999, orgId: 999, version: 42 }));
    expect(res.status).toBe(200);
    const ds = (res.data as { datasource: Record<string, unknown> }).datasource;
    expect(ds.readOnly).toBe(false);
    expect(ds.version).toBe(1);
    expect(ds.id).not.toBe(999_999);
    expect(ds.orgId).not.toBe(999);
  });

  it('rejects a name already used in the org with 409', async () => {
    const existing = await cleanup.createDs();
    const res = await create(dsBody({ name: existing.name }));
    expect(res.status).toBe(409);
    expect(res.data).toMatchObject({ message: 'data source with the same name already exists' });
  });

  it('rejects a uid already used with 409, but names the name first when both collide', async () => {
    const existing = await cleanup.createDs();
    const uidOnly = await create(dsBody({ uid: existing.uid }));
    expect(uidOnly.status).toBe(409);
    expect(uidOnly.data).toMatchObject({ message: 'data source with the same uid already exists' });

    const both = await create(dsBody({ uid: existing.uid, name: existing.name }));
    expect(both.status).toBe(409);
    expect(both.data).toMatchObject({ message: 'data source with the same name already exists' });
  });

  it('rejects an invalid uid (bad characters or over 40) with 400 Invalid datasource UID.', async () => {
    for (const uid of [`bad uid ${suffix()}`, `a.b-${suffix()}`, 'x'.repeat(41)]) {
      const res = await create(dsBody({ uid }));
      expect(res.status).toBe(400);
      expect(res.data).toMatchObject({ message: 'Invalid datasource UID.' });
    }
  });

  it('rejects an unparsable URL with 400 but stores a scheme-less one unchanged', async () => {
    for (const url of ['not a url', 'http://host:port', 'http://[::1', 'http://exa mple.com']) {
      const res = await create(dsBody({ url }));
      expect(res.status).toBe(400);
      expect(res.data).toMatchObject({ message: 'Validation error, invalid URL' });
    }
    const schemeLess = await create(dsBody({ url: '127.0.0.1:9090' }));
    expect(schemeLess.status).toBe(200);
    expect((schemeLess.data as { datasource: { url: string } }).datasource.url).toBe('127.0.0.1:9090');
  });

  it('requires non-empty type and access (400 bad request data)', async () => {
    for (const body of [
      dsBody({ type: undefined }),
      dsBody({ access: '' }),
      dsBody({ type: '', access: '' }),
    ]) {
      const res = await create(body);
      expect(res.status).toBe(400);
      expect(res.data).toMatchObject({ message: 'bad request data' });
    }
  });

  it('rejects malformed JSON and wrongly typed fields with 400 bad request data', async () => {
    const malformed = await target.api.post('/api/datasources', '{"name": "x",', {
      headers: { 'Content-Type': 'application/json' },
      transformRequest: (d: unknown) => d,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.data).toMatchObject({ message: 'bad request data' });

    const wrongType = await create(dsBody({ basicAuth: 'yes' }));
    expect(wrongType.status).toBe(400);
    expect(wrongType.data).toMatchObject({ message: 'bad request data' });
  });

  it('limits name to 190 bytes and url to 255 bytes (bytes, not characters)', async () => {
    const fits = await create(dsBody({ name: `${'é'.repeat(90)}-${suffix()}` })); // 180 + 9 bytes
    expect(fits.status).toBe(200);

    const longName = await create(dsBody({ name: 'é'.repeat(96) })); // 96 characters, 192 bytes
    expect(longName.status).toBe(400);
    expect(longName.data).toMatchObject({ message: 'Invalid datasource name.' });

    const longUrl = await create(dsBody({ url: `http://h/${'a'.repeat(247)}` })); // 256 bytes
    expect(longUrl.status).toBe(400);
    expect(longUrl.data).toMatchObject({ message: 'Invalid datasource url.' });
  });

  it('accepts any non-empty access value and an empty url on create', async () => {
    const res = await create(dsBody({ access: 'anything-goes', url: '' }));
    expect(res.status).toBe(200);
    expect((res.data as { datasource: unknown }).datasource).toMatchObject({
      access: 'anything-goes',
      url: '',
    });
  });
});
