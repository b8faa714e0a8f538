import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axios from 'axios';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { emulatorFaults, supportsFaults } from '../../devstack/grafana/fault-client.js';
import { FAULTS_PATH } from '../../devstack/grafana/faults.js';
import { startGrafanaEmulator, type GrafanaEmulator } from '../../devstack/grafana/server.js';
import { generateToken } from '../../devstack/grafana/token.js';

/** Emulator-only fault injection (/__emulator/faults), used by saga tests. */

const ADMIN = { user: 'admin', password: 'faults-pw' };
const TOKEN = generateToken();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

let emulator: GrafanaEmulator;
let stateFile: string;
beforeEach(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-faults-'));
  dirs.push(dir);
  stateFile = path.join(dir, 'state.json');
  fs.writeFileSync(
    stateFile,
    JSON.stringify({
      serviceAccounts: [{ id: 2, name: 'ci', role: 'Admin' }],
      tokens: [{ serviceAccountId: 2, name: 'ci-1', key: TOKEN }],
    }),
  );
  emulator = await startGrafanaEmulator({
    host: '127.0.0.1',
    port: 0,
    stateFile,
    adminUser: ADMIN.user,
    adminPassword: ADMIN.password,
    bruteForceProtection: false,
  });
});
afterEach(() => emulator.close());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const as = (authorization?: string) =>
  axios.create({
    baseURL: emulator.url,
    validateStatus: () => true,
    maxRedirects: 0,
    headers: authorization ? { Authorization: authorization } : {},
  });
const admin = () => as(`Basic ${b64(`${ADMIN.user}:${ADMIN.password}`)}`);
const api = () => as(`Bearer ${TOKEN}`);
const faults = () => emulatorFaults(emulator.url, ADMIN);
const prom = (name: string, uid: string) => ({
  name,
  uid,
  type: 'prometheus',
  access: 'proxy',
  url: 'http://127.0.0.1:9',
});

describe('fault endpoint access', () => {
  it('answers only the admin Basic login', async () => {
    expect((await as().get(FAULTS_PATH)).status).toBe(401);
    expect((await api().get(FAULTS_PATH)).status).toBe(401); // Bearer is not Basic
    expect((await as(`Basic ${b64(`api_key:${TOKEN}`)}`).get(FAULTS_PATH)).data).toEqual({
      message: 'Permission denied',
    });
    expect((await as(`Basic ${b64('admin:wrong')}`).get(FAULTS_PATH)).status).toBe(401);
    const ok = await admin().get(FAULTS_PATH);
    expect(ok.status).toBe(200);
    expect(ok.data).toEqual([]);
    expect(await supportsFaults(emulator.url, ADMIN)).toBe(true);
    expect(await supportsFaults(emulator.url, { user: 'admin', password: 'wrong' })).toBe(false);
  });

  it('rejects a malformed rule with a prettified message', async () => {
    const res = await admin().post(FAULTS_PATH, { method: 'POST', pathPrefix: 'api', status: 42 });
    expect(res.status).toBe(400);
    expect(res.data.message).toContain('invalid fault rule');
    expect(res.data.message).toContain('→ at pathPrefix');
    expect(res.data.message).toContain('→ at status');
    expect((await admin().put(FAULTS_PATH, {})).status).toBe(405);
  });
});

describe('fault rules', () => {
  it('answers N matching requests with the fault and Retry-After, then steps aside', async () => {
    const rule = await faults().add({
      method: 'get',
      pathPrefix: '/api/datasources',
      status: 503,
      times: 2,
      retryAfter: 3,
    });
    expect(rule).toMatchObject({
      method: 'GET',
      status: 503,
      remaining: 2,
      commitFirst: false,
      retryAfter: '3',
    });
    for (let i = 0; i < 2; i++) {
      const res = await api().get('/api/datasources');
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('3');
      expect(res.data).toEqual({ message: 'Service Unavailable', traceID: '' });
    }
    expect((await api().get('/api/datasources')).status).toBe(200);
    expect(await faults().list()).toEqual([]);
  });

  it('is unlimited by default, matches by method and path prefix, and reports hits', async () => {
    await faults().add({ method: 'DELETE', pathPrefix: '/api/datasources/uid/', status: 500 });
    expect((await api().get('/api/datasources/uid/none')).status).toBe(404); // other method
    expect((await api().delete('/api/datasources/name/none')).status).toBe(404); // other prefix
    for (let i = 0; i < 3; i++) expect((await api().delete('/api/datasources/uid/x')).status).toBe(500);
    expect(await faults().list()).toEqual([expect.objectContaining({ remaining: null, hits: 3 })]);
  });

  it('applies the first matching rule; "*" matches any method', async () => {
    await faults().add({ method: '*', pathPrefix: '/api/datasources', status: 502, times: 1 });
    await faults().add({ method: 'GET', pathPrefix: '/api/datasources', status: 504, times: 1 });
    expect((await api().get('/api/datasources')).status).toBe(502);
    expect((await api().get('/api/datasources')).status).toBe(504);
    expect((await api().get('/api/datasources')).status).toBe(200);
  });

  it('fails before the operation by default: nothing is created, even unauthenticated', async () => {
    await faults().add({ method: 'POST', pathPrefix: '/api/datasources', status: 500, times: 1 });
    expect((await as().post('/api/datasources', prom('a', 'a1'))).status).toBe(500);
    expect((await api().get('/api/datasources/uid/a1')).status).toBe(404);
  });

  it('commitFirst performs the operation, then answers with the fault', async () => {
    await faults().add({
      method: 'POST',
      pathPrefix: '/api/datasources',
      status: 500,
      times: 1,
      commitFirst: true,
    });
    const res = await api().post('/api/datasources', prom('committed', 'c1'));
    expect(res.status).toBe(500);
    expect(res.data).toEqual({ message: 'Internal Server Error', traceID: '' });
    const got = await api().get('/api/datasources/uid/c1');
    expect(got.status).toBe(200);
    expect(got.data.name).toBe('committed');
    // The retry a client would make now meets the committed effect.
    expect((await api().post('/api/datasources', prom('committed', 'c1'))).status).toBe(409);
  });

  it('bodyContains narrows a rule to requests whose body has that text (one uid among many creates)', async () => {
    await faults().add({
      method: 'POST',
      pathPrefix: '/api/datasources',
      bodyContains: '"uid":"mine"',
      status: 500,
    });
    expect((await api().post('/api/datasources', prom('other', 'other'))).status).toBe(200);
    expect((await api().post('/api/datasources', prom('mine', 'mine'))).status).toBe(500);
    expect(await faults().list()).toEqual([
      expect.objectContaining({ bodyContains: '"uid":"mine"', hits: 1 }),
    ]);
  });

  it('sends a custom body: JSON as JSON, a string as text', async () => {
    await faults().add({
      method: 'PUT',
      pathPrefix: '/api/',
      status: 409,
      times: 1,
      body: { message: 'Datasource has already been updated by someone else. Please reload and try again' },
    });
    await faults().add({
      method: 'GET',
      pathPrefix: '/api/',
      status: 502,
      times: 1,
      body: '<html>Bad Gateway</html>',
    });
    const put = await api().put('/api/datasources/uid/x', prom('x', 'x'));
    expect(put.status).toBe(409);
    expect(put.data.message).toMatch(/already been updated/);
    const get = await api().get('/api/datasources');
    expect(get.status).toBe(502);
    expect(get.headers['content-type']).toMatch(/^text\/plain/);
    expect(get.data).toBe('<html>Bad Gateway</html>');
  });

  it('never faults the fault endpoint itself; DELETE clears every rule', async () => {
    await faults().add({ method: '*', pathPrefix: '/', status: 500 });
    expect((await api().get('/api/datasources')).status).toBe(500);
    expect(await faults().list()).toHaveLength(1);
    const cleared = await admin().delete(FAULTS_PATH);
    expect(cleared.data).toEqual({ message: 'Faults cleared', cleared: 1 });
    expect((await api().get('/api/datasources')).status).toBe(200);
  });

  it('DELETE /<id> drops one rule, so a test can swap faults with no fault-free request between', async () => {
    const first = await faults().add({ method: 'GET', pathPrefix: '/api/datasources', status: 503 });
    const second = await faults().add({ method: 'GET', pathPrefix: '/api/datasources', status: 429 });
    expect((await api().get('/api/datasources')).status).toBe(503);
    await faults().remove(first.id);
    expect((await api().get('/api/datasources')).status).toBe(429);
    expect((await faults().list()).map((r) => r.id)).toEqual([second.id]);

    expect((await admin().delete(`${FAULTS_PATH}/${first.id}`)).status).toBe(404);
    expect((await admin().delete(`${FAULTS_PATH}/x1`)).status).toBe(400);
    expect((await admin().get(`${FAULTS_PATH}/${second.id}`)).status).toBe(405);
    expect((await api().delete(`${FAULTS_PATH}/${second.id}`)).status).toBe(401); // Bearer is not Basic
    expect(await faults().list()).toHaveLength(1);
  });

  it('keeps faults in memory only: not in the state file, gone after a restart', async () => {
    await faults().add({ method: 'GET', pathPrefix: '/api/datasources', status: 500 });
    await api().post('/api/datasources', prom('persisted', 'p1')); // forces a state write
    expect(fs.readFileSync(stateFile, 'utf8')).not.toContain('/api/datasources');
    await emulator.close();
    emulator = await startGrafanaEmulator({
      host: '127.0.0.1',
      port: 0,
      stateFile,
      adminUser: ADMIN.user,
      adminPassword: ADMIN.password,
    });
    expect(await faults().list()).toEqual([]);
    expect((await api().get('/api/datasources')).status).toBe(200);
  });
});
