import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import axios from 'axios';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { ApplicationFailure } from '@temporalio/common';
import { createGrafanaActivities, type GrafanaActivities } from '../../activities/grafana/activities.js';
import { GrafanaInstances, type GrafanaInstanceConfig } from '../../activities/grafana/config.js';
import { drift, desiredDatasource, jsonEqual } from '../../activities/grafana/desired.js';
import { emulatorRequestCounts } from '../../devstack/grafana/request-count-client.js';
import { emulatorFaults } from '../../devstack/grafana/fault-client.js';
import { startGrafanaEmulator, type GrafanaEmulator } from '../../devstack/grafana/server.js';
import { generateToken } from '../../devstack/grafana/token.js';

/**
 * Grafana activities against an in-process emulator (edge cases the shared
 * stack should not be bent into) and against a stub speaking real Grafana's
 * quirks the emulator does not reproduce.
 */

const failureOf = async (p: Promise<unknown>): Promise<ApplicationFailure> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure))
    throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
};
const instance = (name: string, url: string, extra: Partial<GrafanaInstanceConfig> = {}) => ({
  name,
  url,
  auth: { tokenEnv: `TOKEN_${name.toUpperCase().replace(/-/g, '_')}` },
  timeoutSeconds: 5,
  ...extra,
});

describe('desired state and drift', () => {
  it('merges jsonData over httpMethod POST and compares owned fields structurally', () => {
    const desired = desiredDatasource({
      name: 'n',
      url: 'http://p',
      isDefault: false,
      jsonData: { timeInterval: '30s', httpMethod: 'GET' },
    });
    expect(desired.jsonData).toEqual({ httpMethod: 'GET', timeInterval: '30s' });
    const live = {
      id: 1,
      uid: 'u',
      name: 'n',
      type: 'prometheus',
      access: 'proxy',
      url: 'http://p',
      user: '',
      database: '',
      basicAuth: false,
      basicAuthUser: '',
      withCredentials: false,
      isDefault: false,
      jsonData: { timeInterval: '30s', httpMethod: 'GET' }, // other key order
      version: 3,
      readOnly: false,
    };
    expect(drift(live, desired)).toEqual([]);
    expect(drift({ ...live, url: 'http://q', basicAuth: true, jsonData: {} }, desired)).toEqual([
      'url',
      'basicAuth',
      'jsonData',
    ]);
    expect(jsonEqual({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: null }, {})).toBe(false);
  });
});

describe('against an in-process emulator', () => {
  const ADMIN = { user: 'admin', password: 'unit-activities' };
  const ADMIN_TOKEN = generateToken();
  const VIEWER_TOKEN = generateToken();
  let dir: string;
  let emulator: GrafanaEmulator;
  let activities: GrafanaActivities;
  let api: ReturnType<typeof axios.create>;
  const base = { instance: 'emu', orgId: 1 };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-activities-'));
    const stateFile = path.join(dir, 'state.json');
    fs.writeFileSync(
      stateFile,
      JSON.stringify({
        datasources: [
          { uid: 'seed', name: 'seed', type: 'prometheus', url: 'http://127.0.0.1:9', isDefault: true },
          {
            uid: 'sw-ro',
            name: 'provisioned',
            type: 'prometheus',
            url: 'http://127.0.0.1:9',
            readOnly: true,
          },
        ],
        serviceAccounts: [
          { id: 2, name: 'ci', role: 'Admin' },
          { id: 3, name: 'viewer', role: 'Viewer' },
        ],
        tokens: [
          { serviceAccountId: 2, name: 'ci-1', key: ADMIN_TOKEN },
          { serviceAccountId: 3, name: 'viewer-1', key: VIEWER_TOKEN },
        ],
      }),
    );
    emulator = await startGrafanaEmulator({
      host: '127.0.0.1',
      port: 0,
      stateFile,
      adminUser: ADMIN.user,
      adminPassword: ADMIN.password,
    });
    const instances = new GrafanaInstances(
      [instance('emu', emulator.url), instance('viewer', emulator.url)],
      { TOKEN_EMU: ADMIN_TOKEN, TOKEN_VIEWER: VIEWER_TOKEN },
      'test',
    );
    activities = createGrafanaActivities({ instances });
    api = axios.create({
      baseURL: emulator.url,
      validateStatus: () => true,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
  });
  afterEach(() => emulatorFaults(emulator.url, ADMIN).clear());
  afterAll(async () => {
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const faults = () => emulatorFaults(emulator.url, ADMIN);
  const upsert = (uid: string, name: string, url = 'http://127.0.0.1:9') =>
    activities.upsertDatasource({ ...base, uid, name, url, isDefault: false });

  it('rejects malformed input non-retryably, before any request', async () => {
    const f = await failureOf(
      activities.upsertDatasource({ ...base, uid: 'has/slash', name: '', url: 'x', isDefault: false }),
    );
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('InvalidActivityInput');
    expect(f.message).toContain('→ at uid');
    expect(f.message).toContain('→ at name');
  });

  it('refuses to touch a read-only (provisioned) datasource', async () => {
    const up = await failureOf(upsert('sw-ro', 'provisioned', 'http://elsewhere:9090'));
    expect(up.type).toBe('DatasourceReadOnly');
    expect(up.nonRetryable).toBe(true);
    expect(up.message).toMatch(/^update datasource sw-ro: Grafana 'emu' \(org 1\) has it as a read-only/);
    const del = await failureOf(activities.deleteDatasource({ ...base, uid: 'sw-ro' }));
    expect(del.type).toBe('DatasourceReadOnly');
  });

  it('a stale version on PUT (someone edited it meanwhile) is retryable', async () => {
    await upsert('sw-stale', 'stale');
    await faults().add({
      method: 'PUT',
      pathPrefix: '/api/datasources/uid/sw-stale',
      status: 409,
      times: 1,
      body: { message: 'Datasource has already been updated by someone else. Please reload and try again' },
    });
    const f = await failureOf(upsert('sw-stale', 'stale', 'http://changed:9090'));
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain("update datasource sw-stale: Grafana 'emu' answered 409");
    expect((await upsert('sw-stale', 'stale', 'http://changed:9090')).changed).toEqual(['url']);
  });

  it('a datasource deleted between our read and our PUT is retryable (the retry recreates it)', async () => {
    await upsert('sw-vanishing', 'vanishing');
    await faults().add({
      method: 'PUT',
      pathPrefix: '/api/datasources/uid/sw-vanishing',
      status: 404,
      times: 1,
      body: { message: 'Data source not found' },
    });
    const f = await failureOf(upsert('sw-vanishing', 'vanishing', 'http://changed:9090'));
    expect(f.nonRetryable).toBe(false);
  });

  it('a create racing its own earlier attempt: a 409 on uid continues as an update', async () => {
    await api.post('/api/datasources', {
      uid: 'sw-race-uid',
      name: 'old-name',
      type: 'prometheus',
      access: 'proxy',
    });
    // The GET sees nothing (the earlier create had not committed yet); the POST then meets it.
    await faults().add({
      method: 'GET',
      pathPrefix: '/api/datasources/uid/sw-race-uid',
      status: 404,
      times: 1,
      body: { message: 'Data source not found' },
    });
    const r = await upsert('sw-race-uid', 'new-name');
    expect(r.changed).toEqual(['name', 'url', 'jsonData']);
  });

  describe('createFirst (a first provisioning: POST without a read)', () => {
    const first = (uid: string, name: string, url = 'http://127.0.0.1:9') =>
      activities.upsertDatasource({ ...base, uid, name, url, isDefault: false, createFirst: true });
    const counted = async (uid: string, run: () => Promise<unknown>) => {
      const before =
        (await emulatorRequestCounts(emulator.url, ADMIN).read()).byDatasource[`uid:${uid}`] ?? 0;
      const result = await run();
      const after = (await emulatorRequestCounts(emulator.url, ADMIN).read()).byDatasource[`uid:${uid}`] ?? 0;
      return { result, requests: after - before };
    };

    it('creates a new datasource with one request', async () => {
      const { result, requests } = await counted('sw-first-new', () => first('sw-first-new', 'first/new'));
      expect(result).toMatchObject({ uid: 'sw-first-new', changed: ['created'] });
      expect(requests).toBe(1);
    });

    it('our uid already there (an earlier attempt landed): the 409 ends as an update', async () => {
      await first('sw-first-again', 'first/again');
      const r = await first('sw-first-again', 'first/again', 'http://127.0.0.1:19');
      expect(r.changed).toEqual(['url']);
      expect((await api.get('/api/datasources/uid/sw-first-again')).data).toMatchObject({
        url: 'http://127.0.0.1:19',
      });
    });

    it('the name held by someone else is still never taken over', async () => {
      await api.post('/api/datasources', {
        uid: 'not-ours',
        name: 'first/taken',
        type: 'prometheus',
        access: 'proxy',
      });
      await expect(first('sw-first-taken', 'first/taken')).rejects.toMatchObject({
        type: 'DatasourceNameTaken',
        nonRetryable: true,
      });
      expect((await api.get('/api/datasources/uid/not-ours')).data).toMatchObject({ name: 'first/taken' });
    });
  });

  it('a 409 on *name* held by our own uid (Grafana checks the name first) is ours, not a collision', async () => {
    await api.post('/api/datasources', {
      uid: 'sw-race-name',
      name: 'race/name',
      type: 'prometheus',
      access: 'proxy',
      url: 'http://127.0.0.1:9',
      jsonData: { httpMethod: 'POST' },
    });
    await faults().add({
      method: 'GET',
      pathPrefix: '/api/datasources/uid/sw-race-name',
      status: 404,
      times: 1,
      body: { message: 'Data source not found' },
    });
    expect((await upsert('sw-race-name', 'race/name')).changed).toEqual([]);
  });

  it('a rename onto a name someone else took is DatasourceNameTaken on update too', async () => {
    await upsert('sw-renamed', 'mine');
    await api.put('/api/datasources/uid/sw-renamed', {
      name: 'renamed-by-hand',
      type: 'prometheus',
      access: 'proxy',
      url: 'http://127.0.0.1:9',
    });
    await api.post('/api/datasources', {
      uid: 'squatter',
      name: 'mine',
      type: 'prometheus',
      access: 'proxy',
    });
    const f = await failureOf(upsert('sw-renamed', 'mine'));
    expect(f.type).toBe('DatasourceNameTaken');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain("by datasource uid 'squatter'");
  });

  it('403 for credentials without permission is non-retryable and says so', async () => {
    const f = await failureOf(activities.grafanaPreflight({ instance: 'viewer', orgId: 1 }));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(
      /^preflight: list datasources in org 1: Grafana 'viewer' answered 403: .*Permissions needed: datasources:read \(the credentials lack permission\)$/,
    );
  });

  it('a token for another org is a 401 naming the mismatch', async () => {
    const f = await failureOf(activities.grafanaPreflight({ instance: 'emu', orgId: 2 }));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('API key does not belong to the requested organization');
  });

  it('health of an unknown uid is non-retryable DatasourceNotFound', async () => {
    const f = await failureOf(activities.datasourceHealth({ ...base, uid: 'sw-nothing-here' }));
    expect(f.type).toBe('DatasourceNotFound');
    expect(f.nonRetryable).toBe(true);
  });
});

describe('against a stub with real-Grafana quirks', () => {
  type Answer = { status: number; body?: unknown; text?: string; headers?: Record<string, string> };
  /** 'hang' never answers. */
  let routes: Record<string, Answer | ((body: string) => Answer) | 'hang'> = {};
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  let server: http.Server;
  let url: string;
  let activities: GrafanaActivities;
  const base = { instance: 'stub', orgId: 2 };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const route = routes[`${req.method} ${req.url}`];
        if (route === 'hang') return;
        const a =
          typeof route === 'function'
            ? route(body)
            : (route ?? { status: 404, body: { message: 'Not found' } });
        const payload = a.text ?? JSON.stringify(a.body);
        res.writeHead(a.status, {
          'Content-Type': a.text !== undefined ? 'text/html' : 'application/json; charset=UTF-8',
          ...a.headers,
        });
        res.end(payload);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const instances = new GrafanaInstances(
      [instance('stub', `${url}/`), instance('slow', url, { timeoutSeconds: 0.3 })],
      { TOKEN_STUB: 'glsa_stub', TOKEN_SLOW: 'glsa_slow' },
      'test',
    );
    activities = createGrafanaActivities({ instances });
  });
  afterEach(() => {
    routes = {};
    seen.length = 0;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const dto = {
    id: 7,
    uid: 'sw-q',
    orgId: 2,
    name: 'c/ns/q',
    type: 'prometheus',
    typeLogoUrl: 'public/plugins/prometheus/img/prometheus_logo.svg',
    access: 'proxy',
    url: 'http://prom:9090',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    withCredentials: false,
    isDefault: false,
    jsonData: null, // Grafana may omit or null it
    secureJsonFields: {},
    version: 4,
    readOnly: false,
    apiVersion: '',
    accessControl: { 'datasources:read': true },
  };

  it('parses charset JSON with unknown fields, sends org and auth headers', async () => {
    routes['GET /api/datasources/uid/sw-q'] = { status: 200, body: dto };
    expect(await activities.getDatasource({ ...base, uid: 'sw-q' })).toEqual({
      id: 7,
      uid: 'sw-q',
      name: 'c/ns/q',
      type: 'prometheus',
      access: 'proxy',
      url: 'http://prom:9090',
      isDefault: false,
      jsonData: {},
      version: 4,
      readOnly: false,
    });
    expect(seen[0]?.headers['x-grafana-org-id']).toBe('2');
    expect(seen[0]?.headers.authorization).toBe('Bearer glsa_stub');
    expect(seen[0]?.url).toBe('/api/datasources/uid/sw-q'); // the trailing slash of the URL is not doubled
  });

  it('PUTs with the current version, keeping fields it does not own', async () => {
    routes['GET /api/datasources/uid/sw-q'] = { status: 200, body: { ...dto, user: 'keep-me' } };
    routes['PUT /api/datasources/uid/sw-q'] = (body) => ({
      status: 200,
      body: {
        message: 'Datasource updated',
        id: 7,
        name: 'c/ns/q',
        datasource: { ...dto, ...JSON.parse(body), version: 5 },
      },
    });
    const r = await activities.upsertDatasource({
      ...base,
      uid: 'sw-q',
      name: 'c/ns/q',
      url: 'http://prom:9090',
      isDefault: false,
    });
    expect(r).toEqual({ uid: 'sw-q', id: 7, version: 5, changed: ['jsonData'] });
    const put = JSON.parse(seen.find((s) => s.method === 'PUT')?.body ?? '{}');
    expect(put).toMatchObject({
      version: 4,
      user: 'keep-me',
      basicAuth: false,
      jsonData: { httpMethod: 'POST' },
    });
  });

  it('a create answer without `datasource` (older Grafana) is re-read', async () => {
    let created = false;
    routes['GET /api/datasources/uid/sw-q'] = () =>
      created
        ? { status: 200, body: { ...dto, jsonData: { httpMethod: 'POST' }, version: 1 } }
        : { status: 404, body: { message: 'Data source not found' } };
    routes['POST /api/datasources'] = () => {
      created = true;
      return { status: 200, body: { message: 'Datasource added', id: 7, name: 'c/ns/q' } };
    };
    expect(
      await activities.upsertDatasource({
        ...base,
        uid: 'sw-q',
        name: 'c/ns/q',
        url: 'http://prom:9090',
        isDefault: false,
      }),
    ).toEqual({ uid: 'sw-q', id: 7, version: 1, changed: ['created'] });
  });

  it('a name held case-insensitively (MySQL) is still reported with its holder', async () => {
    routes['GET /api/datasources/uid/sw-q'] = { status: 404, body: { message: 'Data source not found' } };
    routes['POST /api/datasources'] = {
      status: 409,
      body: { message: 'data source with the same name already exists', traceID: '' },
    };
    routes['GET /api/datasources'] = {
      status: 200,
      body: [{ id: 1, uid: 'theirs', name: 'C/NS/Q', type: 'prometheus' }],
    };
    const f = await failureOf(
      activities.upsertDatasource({
        ...base,
        uid: 'sw-q',
        name: 'c/ns/q',
        url: 'http://prom:9090',
        isDefault: false,
      }),
    );
    expect(f.type).toBe('DatasourceNameTaken');
    expect(f.message).toContain("uid 'theirs'");
    // Never GET by name: names with "/" cannot be routed.
    expect(seen.some((s) => s.url.startsWith('/api/datasources/name/'))).toBe(false);
  });

  it('a failed health check (400 with a result) is data, with details ignored', async () => {
    routes['GET /api/datasources/uid/sw-q/health'] = {
      status: 400,
      body: {
        status: 'ERROR',
        message:
          'Post "http://prom:9090/api/v1/query": dial tcp: connection refused - There was an error returned querying the Prometheus API.',
        details: { application: 'Prometheus' },
      },
    };
    expect(await activities.datasourceHealth({ ...base, uid: 'sw-q' })).toEqual({
      status: 'ERROR',
      message: expect.stringContaining('There was an error returned querying the Prometheus API.'),
    });
  });

  it('a 400 that is not a health result (bad uid) is a non-retryable failure', async () => {
    routes['GET /api/datasources/uid/sw-q/health'] = { status: 400, body: { message: 'UID is invalid' } };
    const f = await failureOf(activities.datasourceHealth({ ...base, uid: 'sw-q' }));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toBe("health-check datasource sw-q: Grafana 'stub' answered 400: UID is invalid");
  });

  it('an HTML page where JSON was expected: non-retryable, suggests the URL is wrong', async () => {
    routes['GET /api/datasources'] = { status: 200, text: '<html>Sign in with SSO</html>' };
    const f = await failureOf(activities.grafanaPreflight({ instance: 'stub', orgId: 2 }));
    expect(f.type).toBe('GrafanaUnexpectedResponse');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain(`is ${url}/ a Grafana?`);
  });

  it('a proxy 502 page is retryable with its text as message; Retry-After as a date is honoured', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString();
    routes['DELETE /api/datasources/uid/sw-q'] = {
      status: 502,
      text: '<html>\n  502 Bad Gateway\n</html>',
      headers: { 'Retry-After': at },
    };
    const f = await failureOf(activities.deleteDatasource({ ...base, uid: 'sw-q' }));
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toBe(
      "delete datasource sw-q: Grafana 'stub' answered 502: <html> 502 Bad Gateway </html>",
    );
    expect(Number(f.nextRetryDelay)).toBeGreaterThan(50_000);
  });

  it('a redirect (a non-API path: wrong URL) is reported, not followed', async () => {
    routes['GET /api/datasources'] = { status: 302, text: '', headers: { Location: '/login' } };
    const f = await failureOf(activities.grafanaPreflight({ instance: 'stub', orgId: 2 }));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain("Grafana 'stub' answered 302");
  });

  it('a timeout is retryable and the failure carries no credentials', async () => {
    routes['GET /api/datasources'] = 'hang';
    const f = await failureOf(activities.grafanaPreflight({ instance: 'slow', orgId: 2 }));
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe('GrafanaUnreachable');
    expect(f.message).toContain("Grafana 'slow' could not be reached");
    expect(JSON.stringify(f)).not.toContain('glsa_slow');
    expect(f.cause).toBeUndefined();
  });

  it('a refused connection is retryable', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const a = createGrafanaActivities({
      instances: new GrafanaInstances(
        [instance('gone', `http://127.0.0.1:${port}`)],
        { TOKEN_GONE: 't' },
        'test',
      ),
    });
    const f = await failureOf(a.grafanaPreflight({ instance: 'gone', orgId: 1 }));
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('ECONNREFUSED');
  });
});
