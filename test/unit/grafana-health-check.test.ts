import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import axios from 'axios';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startGrafanaEmulator, type GrafanaEmulator } from '../../devstack/grafana/server.js';

/** The emulator's Prometheus health check, observed from a fake Prometheus that records requests. */

interface Seen {
  method: string;
  url: string;
  contentType?: string;
  authorization?: string;
  custom?: string;
  body: string;
}

describe('grafana emulator: Prometheus health check', () => {
  let emulator: GrafanaEmulator;
  let dir: string;
  let fake: http.Server;
  let fakeUrl: string;
  let seen: Seen[] = [];
  let reply: { query: [number, string]; buildinfo: [number, string] };
  const api = () =>
    axios.create({
      baseURL: emulator.url,
      validateStatus: () => true,
      auth: { username: 'admin', password: 'pw' },
    });

  beforeAll(async () => {
    fake = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          contentType: req.headers['content-type'],
          authorization: req.headers.authorization,
          custom: req.headers['x-scope-orgid'] as string | undefined,
          body,
        });
        const [status, text] = req.url?.includes('buildinfo') ? reply.buildinfo : reply.query;
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(text);
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-health-'));
    emulator = await startGrafanaEmulator({
      host: '127.0.0.1',
      port: 0,
      stateFile: path.join(dir, 'state.json'),
      adminUser: 'admin',
      adminPassword: 'pw',
    });
  });
  afterAll(async () => {
    await emulator.close();
    await new Promise((r) => fake.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    seen = [];
    reply = {
      query: [200, '{"status":"success","data":{"resultType":"scalar","result":[4,"2"]}}'],
      buildinfo: [200, '{"status":"success","data":{"version":"2.53.0"}}'],
    };
  });

  const check = async (ds: Record<string, unknown>) => {
    const created = await api().post('/api/datasources', { type: 'prometheus', access: 'proxy', ...ds });
    expect(created.status).toBe(200);
    const uid = (created.data as { datasource: { uid: string } }).datasource.uid;
    return api().get(`/api/datasources/uid/${uid}/health`);
  };

  it('POSTs query=1+1&time=4 as a form to <url path>/api/v1/query with data source auth, then reads buildinfo', async () => {
    const res = await check({
      name: 'post',
      url: `${fakeUrl}/prom/`,
      basicAuth: true,
      basicAuthUser: 'bob',
      secureJsonData: { basicAuthPassword: 'secret', httpHeaderValue1: 'tenant-1' },
      jsonData: { httpHeaderName1: 'X-Scope-OrgID' },
    });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({
      status: 'OK',
      message: 'Successfully queried the Prometheus API.',
      details: { application: 'Prometheus', features: { rulerApiEnabled: false } },
    });
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/prom/api/v1/query',
        contentType: 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('bob:secret').toString('base64')}`,
        custom: 'tenant-1',
        body: 'query=1%2B1&time=4',
      },
      expect.objectContaining({ method: 'GET', url: '/prom/api/v1/status/buildinfo', body: '' }),
    ]);
  });

  it('uses GET with the same parameters (plus queryTimeout) when httpMethod is GET', async () => {
    const res = await check({
      name: 'get',
      url: fakeUrl,
      jsonData: { httpMethod: 'GET', queryTimeout: '20s' },
    });
    expect(res.status).toBe(200);
    expect(seen[0]).toMatchObject({
      method: 'GET',
      url: '/api/v1/query?query=1%2B1&time=4&timeout=20s',
      body: '',
    });
  });

  it('reports Mimir details when buildinfo lists features, and omits details when buildinfo fails', async () => {
    reply.buildinfo = [200, '{"status":"success","data":{"features":{"ruler_config_api":"true"}}}'];
    expect((await check({ name: 'mimir', url: fakeUrl })).data).toMatchObject({
      status: 'OK',
      details: { application: 'Mimir', features: { rulerApiEnabled: true } },
    });
    reply.buildinfo = [404, '404 page not found'];
    const res = await check({ name: 'no-buildinfo', url: fakeUrl });
    expect(res.status).toBe(200);
    expect(res.data).not.toHaveProperty('details');
  });

  it('turns a Prometheus error response into 400 ERROR with the fixed suffix, keeping details', async () => {
    reply.query = [400, '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\""}'];
    const res = await check({ name: 'error', url: fakeUrl });
    expect(res.status).toBe(400);
    expect(res.data).toEqual({
      status: 'ERROR',
      message:
        'bad_data: invalid parameter "query" - There was an error returned querying the Prometheus API.',
      details: { application: 'Prometheus', features: { rulerApiEnabled: false } },
    });
  });

  it('honours jsonData.timeout (seconds) with a Go-style deadline message', async () => {
    const slow = http.createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const port = (slow.address() as AddressInfo).port;
    try {
      const res = await check({ name: 'slow', url: `http://127.0.0.1:${port}`, jsonData: { timeout: 0.3 } });
      expect(res.status).toBe(400);
      expect((res.data as { message: string }).message).toBe(
        `Post "http://127.0.0.1:${port}/api/v1/query": context deadline exceeded (Client.Timeout exceeded while awaiting headers) - There was an error returned querying the Prometheus API.`,
      );
    } finally {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });

  it('reports an unusable url (no scheme) as an ERROR rather than failing the request', async () => {
    const res = await check({ name: 'schemeless', url: 'localhost:9090' });
    expect(res.status).toBe(400);
    expect((res.data as { message: string }).message).toMatch(/unsupported protocol scheme "localhost"/);
  });
});
