import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { ApplicationFailure } from '@temporalio/common';
import { createGrafanaActivities, type GrafanaActivities } from '../../activities/grafana/activities.js';
import { loadGrafanaInstances } from '../../activities/grafana/config.js';
import { emulatorFaults, supportsFaults, type EmulatorFaults } from '../../devstack/grafana/fault-client.js';
import { startGrafanaEmulator } from '../../devstack/grafana/server.js';
import { generateToken } from '../../devstack/grafana/token.js';
import { requireEnv } from '../support/env.js';

/**
 * The Grafana activities against the local stack's Grafana (GRAFANA_URL,
 * GRAFANA_TOKEN) and real Prometheus. Fault cases need the emulator's fault
 * endpoint and its admin login; when the stack's Grafana lacks either (a real
 * Grafana, or an emulator started from older code), they run against a
 * private in-process emulator instead.
 */

const GRAFANA_URL = requireEnv('GRAFANA_URL');
const GRAFANA_TOKEN = requireEnv('GRAFANA_TOKEN');
const PROMETHEUS_URL = requireEnv('PROMETHEUS_URL');
const ORG = 1;
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const uidOf = (n: string) => `sw-it-${run}-${n}`;
// Slashes like the default `<cluster>/<namespace>/<name>` names, which Grafana cannot route by name.
const nameOf = (n: string) => `it/${run}/${n}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-activities-it-'));
const tokenFile = path.join(dir, 'token');
const configFile = path.join(dir, 'grafana.yaml');
fs.writeFileSync(
  configFile,
  `instances:
  - { name: default, url: "${GRAFANA_URL}", auth: { tokenEnv: GRAFANA_TOKEN } }
  - { name: bad-token, url: "${GRAFANA_URL}", auth: { tokenEnv: STACKWRIGHT_IT_BAD_TOKEN } }
  - { name: rotating, url: "${GRAFANA_URL}", auth: { tokenFile: "${tokenFile}" } }
`,
);
const activities = createGrafanaActivities({
  instances: loadGrafanaInstances({
    ...process.env,
    STACKWRIGHT_GRAFANA_CONFIG: configFile,
    // Well-formed, but Grafana never issued it.
    STACKWRIGHT_IT_BAD_TOKEN: generateToken(),
  }),
});
const client = (url: string, token: string) =>
  axios.create({
    baseURL: url,
    timeout: 30_000,
    validateStatus: () => true,
    headers: { Authorization: `Bearer ${token}`, 'X-Grafana-Org-Id': String(ORG) },
  });
const api = client(GRAFANA_URL, GRAFANA_TOKEN);

const failureOf = async (p: Promise<unknown>): Promise<ApplicationFailure> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure))
    throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
};

/** Where the fault cases run: the stack's emulator if it can, else a private one. */
interface FaultTarget {
  activities: GrafanaActivities;
  api: AxiosInstance;
  faults: EmulatorFaults;
  close(): Promise<void>;
}

async function openFaultTarget(): Promise<FaultTarget> {
  const admin = {
    user: process.env.GRAFANA_ADMIN_USER || 'admin',
    password: process.env.GRAFANA_ADMIN_PASSWORD ?? '',
  };
  if (admin.password && (await supportsFaults(GRAFANA_URL, admin))) {
    return { activities, api, faults: emulatorFaults(GRAFANA_URL, admin), close: async () => {} };
  }
  process.stderr.write(
    `grafana-activities: ${GRAFANA_URL} has no fault injection for this login; fault cases use an in-process emulator\n`,
  );
  const token = generateToken();
  const local = { user: 'admin', password: `it-${run}` };
  const stateFile = path.join(dir, 'emulator-state.json');
  fs.writeFileSync(
    stateFile,
    JSON.stringify({
      serviceAccounts: [{ id: 2, name: 'it', role: 'Admin' }],
      tokens: [{ serviceAccountId: 2, name: 'it-1', key: token }],
    }),
  );
  const emulator = await startGrafanaEmulator({
    host: '127.0.0.1',
    port: 0,
    stateFile,
    adminUser: local.user,
    adminPassword: local.password,
    healthCheckTimeoutMs: 10_000,
  });
  return {
    activities: createGrafanaActivities({
      instances: loadGrafanaInstances({ GRAFANA_URL: emulator.url, GRAFANA_TOKEN: token }),
    }),
    api: client(emulator.url, token),
    faults: emulatorFaults(emulator.url, local),
    close: () => emulator.close(),
  };
}

let fx: FaultTarget;
const created = new Set<{ api: AxiosInstance; uid: string }>();
const track = (uid: string, on: AxiosInstance = api) => created.add({ api: on, uid });

/** An org's first datasource is forced to be its default; an anchor keeps ours from being first. */
const anchor = async (on: AxiosInstance) => {
  const uid = uidOf('anchor');
  const res = await on.post('/api/datasources', {
    uid,
    name: nameOf('anchor'),
    type: 'prometheus',
    access: 'proxy',
    url: PROMETHEUS_URL,
  });
  expect([200, 409]).toContain(res.status);
  track(uid, on);
};

beforeAll(async () => {
  fx = await openFaultTarget();
  await anchor(api);
  if (fx.api !== api) await anchor(fx.api);
});
afterEach(async () => {
  await fx.faults.clear();
  for (const entry of [...created]) {
    if (entry.uid === uidOf('anchor')) continue;
    await entry.api.delete(`/api/datasources/uid/${entry.uid}`);
    created.delete(entry);
  }
});
afterAll(async () => {
  for (const { api: on, uid } of created) await on.delete(`/api/datasources/uid/${uid}`);
  await fx.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const upsert = (
  n: string,
  extra: { url?: string; jsonData?: Record<string, string>; instance?: string; isDefault?: boolean } = {},
  on: GrafanaActivities = activities,
) => {
  track(uidOf(n), on === activities ? api : fx.api);
  return on.upsertDatasource({
    instance: extra.instance ?? 'default',
    orgId: ORG,
    uid: uidOf(n),
    name: nameOf(n),
    url: extra.url ?? PROMETHEUS_URL,
    isDefault: extra.isDefault ?? false,
    jsonData: extra.jsonData,
  });
};
const ref = (n: string, instance = 'default') => ({ instance, orgId: ORG, uid: uidOf(n) });

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('upsertDatasource', () => {
  it('creates, then a second call changes nothing', async () => {
    const first = await upsert('idem', { jsonData: { timeInterval: '15s' } });
    expect(first).toMatchObject({ uid: uidOf('idem'), version: 1, changed: ['created'] });
    const live = (await api.get(`/api/datasources/uid/${uidOf('idem')}`)).data;
    expect(live).toMatchObject({
      id: first.id,
      name: nameOf('idem'),
      type: 'prometheus',
      access: 'proxy',
      url: PROMETHEUS_URL,
      isDefault: false,
      basicAuth: false,
      jsonData: { httpMethod: 'POST', timeInterval: '15s' },
    });
    const second = await upsert('idem', { jsonData: { timeInterval: '15s' } });
    expect(second).toEqual({ uid: uidOf('idem'), id: first.id, version: 1, changed: [] });
  });

  it('repairs a datasource edited by hand, naming what drifted', async () => {
    const before = await upsert('drift');
    const edit = await api.put(`/api/datasources/uid/${uidOf('drift')}`, {
      name: nameOf('drift'),
      type: 'prometheus',
      access: 'proxy',
      url: 'http://somewhere-else:9090',
      jsonData: { httpMethod: 'GET', manual: true },
      version: before.version,
    });
    expect(edit.status).toBe(200);
    const repaired = await upsert('drift');
    expect(repaired.changed).toEqual(['url', 'jsonData']);
    expect(repaired.version).toBeGreaterThan(before.version);
    const live = (await api.get(`/api/datasources/uid/${uidOf('drift')}`)).data;
    expect(live).toMatchObject({ url: PROMETHEUS_URL, jsonData: { httpMethod: 'POST' } });
    expect(live.jsonData).not.toHaveProperty('manual');
    expect((await upsert('drift')).changed).toEqual([]);
  });

  it('recreates a datasource deleted by hand', async () => {
    const first = await upsert('deleted');
    expect((await api.delete(`/api/datasources/uid/${uidOf('deleted')}`)).status).toBe(200);
    const again = await upsert('deleted');
    expect(again.changed).toEqual(['created']);
    expect(again.id).not.toBe(first.id);
  });

  it('never takes over a datasource with our name that it did not create', async () => {
    const otherUid = uidOf('other');
    const theirs = await api.post('/api/datasources', {
      uid: otherUid,
      name: nameOf('taken'),
      type: 'prometheus',
      access: 'proxy',
      url: 'http://theirs:9090',
      jsonData: { owner: 'someone else' },
    });
    expect(theirs.status).toBe(200);
    track(otherUid);
    const before = (await api.get(`/api/datasources/uid/${otherUid}`)).data;

    const f = await failureOf(upsert('taken'));
    expect(f.type).toBe('DatasourceNameTaken');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain(`'${nameOf('taken')}'`);
    expect(f.message).toContain(`uid '${otherUid}'`);
    expect(f.message).toContain('Stackwright will not take over a datasource it did not create');

    expect((await api.get(`/api/datasources/uid/${otherUid}`)).data).toEqual(before);
    expect((await api.get(`/api/datasources/uid/${uidOf('taken')}`)).status).toBe(404);
  });

  it('a create that committed but answered 500 is retryable, and the retry finds it by uid', async () => {
    await fx.faults.add({
      method: 'POST',
      pathPrefix: '/api/datasources',
      bodyContains: uidOf('committed'),
      status: 500,
      times: 1,
      commitFirst: true,
    });
    const f = await failureOf(upsert('committed', {}, fx.activities));
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain(`create datasource ${uidOf('committed')}: Grafana 'default' answered 500`);

    const retry = await upsert('committed', {}, fx.activities);
    expect(retry.changed).toEqual([]);
    const list = (await fx.api.get('/api/datasources')).data as { name: string; uid: string }[];
    expect(list.filter((d) => d.name === nameOf('committed'))).toEqual([
      expect.objectContaining({ uid: uidOf('committed') }),
    ]);
  });

  it('a 503 with Retry-After is retryable after that delay', async () => {
    await fx.faults.add({
      method: 'GET',
      pathPrefix: `/api/datasources/uid/${uidOf('busy')}`,
      status: 503,
      retryAfter: 3,
      times: 1,
    });
    const f = await failureOf(upsert('busy', {}, fx.activities));
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe('GrafanaHttp503');
    expect(f.nextRetryDelay).toBe(3000);
    expect((await upsert('busy', {}, fx.activities)).changed).toEqual(['created']);
  });

  it('bad credentials are non-retryable and say to check them', async () => {
    const f = await failureOf(upsert('badtoken', { instance: 'bad-token' }));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toBe(
      `read datasource ${uidOf('badtoken')}: Grafana 'bad-token' answered 401: Invalid API key (check the credentials configured for it)`,
    );
  });

  it('an unknown instance is non-retryable and lists the configured ones', async () => {
    const f = await failureOf(upsert('unknown', { instance: 'nope' }));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toBe("unknown Grafana instance 'nope' (configured: default, bad-token, rotating)");
  });
});

describe('datasourceHealth', () => {
  it('is OK against the real Prometheus', async () => {
    await upsert('healthy');
    expect(await activities.datasourceHealth(ref('healthy'))).toEqual({
      status: 'OK',
      message: 'Successfully queried the Prometheus API.',
    });
  });

  it('returns a failed check as data', async () => {
    const port = await closedPort();
    await upsert('unhealthy', { url: `http://127.0.0.1:${port}` });
    const health = await activities.datasourceHealth(ref('unhealthy'));
    expect(health.status).toBe('ERROR');
    expect(health.message).toContain('connection refused');
    expect(health.message).toContain('There was an error returned querying the Prometheus API.');
  });
});

describe('getDatasource and deleteDatasource', () => {
  it('reads it, deletes it, and a second delete counts as done', async () => {
    const created = await upsert('delete');
    expect(await activities.getDatasource(ref('delete'))).toMatchObject({
      id: created.id,
      uid: uidOf('delete'),
      name: nameOf('delete'),
      type: 'prometheus',
      url: PROMETHEUS_URL,
      isDefault: false,
      jsonData: { httpMethod: 'POST' },
      version: created.version,
    });
    expect(await activities.deleteDatasource(ref('delete'))).toEqual({ deleted: true });
    expect(await activities.deleteDatasource(ref('delete'))).toEqual({ deleted: false });
    expect(await activities.getDatasource(ref('delete'))).toBeNull();
  });
});

describe('grafanaPreflight and credentials', () => {
  it('passes with good credentials and fails non-retryably with bad ones', async () => {
    const ok = await activities.grafanaPreflight({ instance: 'default', orgId: ORG });
    expect(ok.datasourceCount).toBeGreaterThanOrEqual(1);
    const f = await failureOf(activities.grafanaPreflight({ instance: 'bad-token', orgId: ORG }));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain("Grafana 'bad-token' answered 401");
    expect(f.message).toContain('check the credentials configured for it');
  });

  it('re-reads a token file on every call, so rotation needs no restart', async () => {
    fs.writeFileSync(tokenFile, `${generateToken()}\n`);
    const f = await failureOf(activities.grafanaPreflight({ instance: 'rotating', orgId: ORG }));
    expect(f.message).toContain("Grafana 'rotating' answered 401");
    fs.writeFileSync(tokenFile, `${GRAFANA_TOKEN}\n`);
    expect(await activities.grafanaPreflight({ instance: 'rotating', orgId: ORG })).toEqual({
      datasourceCount: expect.any(Number),
    });
    fs.writeFileSync(tokenFile, 'glsa_revoked_or_rotated_away\n');
    await expect(activities.grafanaPreflight({ instance: 'rotating', orgId: ORG })).rejects.toThrow(/401/);
  });
});
