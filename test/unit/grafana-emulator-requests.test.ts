import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { emulatorRequestCounts } from '../../devstack/grafana/request-count-client.js';
import { REQUESTS_PATH } from '../../devstack/grafana/request-counts.js';
import type { GrafanaEmulator } from '../../devstack/grafana/server.js';
import { generateToken } from '../../devstack/grafana/token.js';
import { startSeededEmulator } from '../support/emulator.js';

/** Emulator-only request counting (/__emulator/requests), used by the benchmark. */

const ADMIN = { user: 'admin', password: 'counts-pw' };
const TOKEN = generateToken();

let emulator: GrafanaEmulator;
beforeEach(async () => {
  emulator = await startSeededEmulator(ADMIN, TOKEN);
});
afterEach(() => emulator.close());

const as = (authorization?: string) =>
  axios.create({
    baseURL: emulator.url,
    validateStatus: () => true,
    headers: authorization ? { Authorization: authorization } : {},
  });
const api = () => as(`Bearer ${TOKEN}`);
const counts = () => emulatorRequestCounts(emulator.url, ADMIN);
const prom = (name: string, uid?: string) => ({
  name,
  ...(uid ? { uid } : {}),
  type: 'prometheus',
  access: 'proxy',
  url: 'http://127.0.0.1:9',
});

describe('request counter', () => {
  it('counts by route and attributes each request to the data source it names', async () => {
    expect((await api().get('/api/datasources/name/ds-a')).status).toBe(404); // before create: by name
    expect((await api().post('/api/datasources', prom('ds-a', 'uid-a'))).status).toBe(200);
    expect((await api().get('/api/datasources/uid/uid-a')).status).toBe(200);
    const created = await api().post('/api/datasources', prom('ds-b')); // no uid: resolved after the create
    const uidB = (created.data as { datasource: { uid: string; id: number } }).datasource;
    expect((await api().get(`/api/datasources/${uidB.id}`)).status).toBe(200); // by id
    expect((await api().delete('/api/datasources/uid/uid-a')).status).toBe(200);
    await api().get('/api/datasources'); // a list names no data source
    await as().get('/api/health');

    const snap = await counts().read();
    expect(snap.total).toBe(8);
    expect(snap.byRoute).toMatchObject({
      'GET /api/datasources/name/:name': 1,
      'POST /api/datasources': 2,
      'GET /api/datasources/uid/:uid': 1,
      'GET /api/datasources/:id': 1,
      'DELETE /api/datasources/uid/:uid': 1,
      'GET /api/datasources': 1,
      'GET (unrouted)': 1,
    });
    expect(snap.byDatasource).toEqual({ 'name:ds-a': 1, 'uid:uid-a': 3, [`uid:${uidB.uid}`]: 2 });
  });

  it('counts requests answered by an injected fault and failed ones alike', async () => {
    await api().post('/__emulator/faults', {}); // not the admin: refused, and not counted as /api
    expect((await as().get('/api/datasources')).status).toBe(401);
    expect((await api().get('/api/frontend/settings')).status).toBe(200);
    expect((await counts().read()).total).toBe(2);
  });

  it('DELETE returns the counts so far and starts again from zero', async () => {
    await api().get('/api/datasources');
    const before = await counts().reset();
    expect(before.total).toBe(1);
    const after = await counts().read();
    expect(after).toMatchObject({ total: 0, byRoute: {}, byDatasource: {} });
    expect(Date.parse(after.since)).toBeGreaterThanOrEqual(Date.parse(before.since));
  });

  it('answers only the admin Basic login, and only GET and DELETE', async () => {
    expect((await as().get(REQUESTS_PATH)).status).toBe(401);
    expect((await api().get(REQUESTS_PATH)).status).toBe(401);
    const b64 = Buffer.from(`api_key:${TOKEN}`).toString('base64');
    expect((await as(`Basic ${b64}`).get(REQUESTS_PATH)).status).toBe(403);
    const basic = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;
    expect((await as(basic).post(REQUESTS_PATH, {})).status).toBe(405);
    await expect(
      emulatorRequestCounts(emulator.url, { user: 'admin', password: 'nope' }).read(),
    ).rejects.toThrow(/answered 401/);
  });
});
