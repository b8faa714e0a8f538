import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axios from 'axios';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { startGrafanaEmulator, type GrafanaEmulator } from '../../devstack/grafana/server.js';
import {
  generateToken,
  isWellFormedToken,
  tokenChecksum,
  TOKEN_PATTERN,
} from '../../devstack/grafana/token.js';
import { repoRoot } from '../../devstack/paths.js';

/** Emulator-only behaviour: persistence, seeding, token format, CLI. */

const ADMIN = { user: 'admin', password: 'unit-pw' };
const running: GrafanaEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const tempFile = (name = 'state.json') => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-unit-'));
  tempDirs.push(dir);
  return path.join(dir, name);
};

async function start(stateFile: string, extra: { bruteForceProtection?: boolean } = {}) {
  const emulator = await startGrafanaEmulator({
    host: '127.0.0.1',
    port: 0,
    stateFile,
    adminUser: ADMIN.user,
    adminPassword: ADMIN.password,
    ...extra,
  });
  running.push(emulator);
  return emulator;
}

const client = (url: string, authorization = `Basic ${b64(`${ADMIN.user}:${ADMIN.password}`)}`) =>
  axios.create({ baseURL: url, validateStatus: () => true, headers: { Authorization: authorization } });
const b64 = (s: string) => Buffer.from(s).toString('base64');
const prom = (name: string) => ({ name, type: 'prometheus', access: 'proxy', url: 'http://127.0.0.1:9' });

describe('grafana emulator: persistence', () => {
  it('keeps data sources, versions, ids and tokens across a restart', async () => {
    const file = tempFile();
    const first = await start(file);
    const api = client(first.url);
    const a = (
      await api.post('/api/datasources', { ...prom('a'), secureJsonData: { basicAuthPassword: 'x' } })
    ).data;
    const b = (await api.post('/api/datasources', prom('b'))).data;
    await api.put(`/api/datasources/uid/${a.datasource.uid}`, { ...prom('a'), version: 7 });
    expect((await api.delete(`/api/datasources/uid/${b.datasource.uid}`)).status).toBe(200);
    const sa = (await api.post('/api/serviceaccounts', { name: 'automation', role: 'Admin' })).data;
    const { key } = (await api.post(`/api/serviceaccounts/${sa.id}/tokens`, { name: 'auto-1' })).data;
    await first.close();
    running.splice(0);

    expect(fs.readFileSync(file, 'utf8')).not.toContain(key); // only the hash is stored
    const second = await start(file);
    const again = client(second.url);
    const got = await again.get(`/api/datasources/uid/${a.datasource.uid}`);
    expect(got.data).toMatchObject({
      id: a.id,
      name: 'a',
      version: 8,
      secureJsonFields: { basicAuthPassword: true },
    });
    expect((await client(second.url, `Bearer ${key}`).get('/api/datasources')).status).toBe(200);
    // Autoincrement continues past the deleted id, like a database sequence.
    const c = (await again.post('/api/datasources', prom('c'))).data;
    expect(c.id).toBe(b.id + 1);
    const sa2 = (await again.post('/api/serviceaccounts', { name: 'other' })).data;
    expect(sa2.id).toBe(sa.id + 1);
    expect((await again.post('/api/serviceaccounts', { name: 'automation' })).status).toBe(400);
  });

  it('writes the state file atomically and leaves no temp files behind', async () => {
    const file = tempFile();
    const emulator = await start(file);
    await client(emulator.url).post('/api/datasources', prom('x'));
    expect(fs.readdirSync(path.dirname(file))).toEqual(['state.json']);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ datasources: [{ name: 'x' }] });
  });

  it('fails with a clear error naming the file when the state file is corrupt', async () => {
    const file = tempFile();
    fs.writeFileSync(file, '{"datasources": [');
    await expect(start(file)).rejects.toThrow(`Grafana emulator state file ${file} is not valid JSON`);

    fs.writeFileSync(file, JSON.stringify({ datasources: [{ type: 'prometheus' }] }));
    await expect(start(file)).rejects.toThrow(
      new RegExp(`state file ${file} is invalid:[\\s\\S]*datasources\\[0\\]\\.name`),
    );

    fs.writeFileSync(
      file,
      JSON.stringify({
        datasources: [
          { name: 'd', type: 'x' },
          { name: 'd', type: 'y' },
        ],
      }),
    );
    await expect(start(file)).rejects.toThrow(/is inconsistent: duplicate data source name "d" in org 1/);
  });
});

describe('grafana emulator: seeded state', () => {
  const seed = (state: unknown) => {
    const file = tempFile();
    fs.writeFileSync(file, JSON.stringify(state));
    return file;
  };

  it('refuses PUT and DELETE on a read-only (provisioned) data source with 403', async () => {
    const file = seed({
      datasources: [{ id: 5, uid: 'prov', name: 'provisioned', type: 'prometheus', readOnly: true }],
    });
    const api = client((await start(file)).url);
    expect((await api.get('/api/datasources')).data).toEqual([
      expect.objectContaining({ uid: 'prov', readOnly: true }),
    ]);
    const put = await api.put('/api/datasources/uid/prov', { ...prom('provisioned'), version: 1 });
    expect(put.status).toBe(403);
    expect(put.data).toEqual({ message: 'Cannot update read-only data source' });
    expect((await api.put('/api/datasources/5', prom('provisioned'))).status).toBe(403);
    for (const route of [
      '/api/datasources/uid/prov',
      '/api/datasources/name/provisioned',
      '/api/datasources/5',
    ]) {
      const del = await api.delete(route);
      expect(del.status).toBe(403);
      expect(del.data).toEqual({ message: 'Cannot delete read-only data source' });
    }
    expect((await api.get('/api/datasources/uid/prov')).data).toMatchObject({ version: 1, readOnly: true });
  });

  it('answers revoked and expired tokens with their own 401 messages', async () => {
    const revoked = generateToken();
    const expired = generateToken();
    const file = seed({
      serviceAccounts: [{ id: 2, name: 'sa', role: 'Admin' }],
      tokens: [
        { serviceAccountId: 2, name: 'r', key: revoked, isRevoked: true },
        { serviceAccountId: 2, name: 'e', key: expired, expires: '2001-01-01T00:00:00.000Z' },
      ],
    });
    const url = (await start(file)).url;
    expect((await client(url, `Bearer ${revoked}`).get('/api/datasources')).data).toMatchObject({
      message: 'Revoked API key',
      messageId: 'api-key.revoked',
    });
    expect((await client(url, `Bearer ${expired}`).get('/api/datasources')).data).toMatchObject({
      message: 'Expired API key',
      messageId: 'api-key.expired',
    });
  });

  it('scopes data sources and tokens to their org', async () => {
    const org2Key = generateToken();
    const file = seed({
      orgs: [
        { id: 1, name: 'Main Org.' },
        { id: 2, name: 'Second' },
      ],
      datasources: [
        { uid: 'one', name: 'same', type: 'prometheus' },
        { uid: 'two', name: 'same', type: 'prometheus', orgId: 2 },
      ],
      serviceAccounts: [{ id: 7, name: 'org2-admin', role: 'Admin', orgId: 2 }],
      tokens: [{ serviceAccountId: 7, name: 'k', key: org2Key }],
    });
    const url = (await start(file)).url;
    const admin = client(url);
    expect((await admin.get('/api/datasources/uid/two')).status).toBe(404);
    const inOrg2 = await admin.get('/api/datasources', { headers: { 'X-Grafana-Org-Id': '2' } });
    expect((inOrg2.data as { uid: string }[]).map((d) => d.uid)).toEqual(['two']);
    expect((await admin.get('/api/datasources', { headers: { 'X-Grafana-Org-Id': '3' } })).status).toBe(403);

    const sa = client(url, `Bearer ${org2Key}`);
    expect((await sa.get('/api/datasources')).data).toEqual([
      expect.objectContaining({ uid: 'two', orgId: 2 }),
    ]);
    const mismatch = await sa.get('/api/datasources', { headers: { 'X-Grafana-Org-Id': '1' } });
    expect(mismatch.status).toBe(401);
    expect(mismatch.data).toMatchObject({ messageId: 'api-key.organization-mismatch' });
  });
});

describe('grafana emulator: request decoding', () => {
  it('matches JSON keys case-insensitively and treats null as the zero value, like Go', async () => {
    const api = client((await start(tempFile())).url);
    const res = await api.post('/api/datasources', {
      NAME: 'folded',
      Type: 'testdata',
      access: 'proxy',
      url: null,
      jsonData: null,
      isDefault: null,
    });
    expect(res.status).toBe(200);
    // "testdata" is a legacy alias, stored under the canonical plugin id.
    expect(res.data.datasource).toMatchObject({
      name: 'folded',
      type: 'grafana-testdata-datasource',
      url: '',
      jsonData: {},
      isDefault: true, // first data source in the org
    });
    const health = await api.get(`/api/datasources/uid/${res.data.datasource.uid}/health`);
    expect(health.data).toEqual({ status: 'OK', message: 'Data source is working' });
  });
});

describe('grafana emulator: tokens and logins', () => {
  it('formats tokens as glsa_<32 alphanumerics>_<CRC32-IEEE little-endian hex>', () => {
    // CRC32-IEEE("123456789") is the standard check value 0xCBF43926.
    expect(tokenChecksum('123456789')).toBe('2639f4cb');
    const key = generateToken();
    expect(key).toHaveLength(46);
    expect(key).toMatch(TOKEN_PATTERN);
    expect(isWellFormedToken(key)).toBe(true);
    const flipped = key.slice(0, 10) + (key[10] === 'A' ? 'B' : 'A') + key.slice(11);
    expect(isWellFormedToken(flipped)).toBe(false); // checksum no longer matches
    expect(isWellFormedToken(key.toUpperCase())).toBe(false);
    expect(isWellFormedToken(`${key}0`)).toBe(false);
  });

  it('rejects a stored token whose checksum is wrong before looking it up', async () => {
    const good = generateToken();
    const bad = `${good.slice(0, 38)}${good.endsWith('00000000') ? '11111111' : '00000000'}`;
    const file = tempFile();
    fs.writeFileSync(
      file,
      JSON.stringify({
        serviceAccounts: [{ id: 2, name: 'sa', role: 'Admin' }],
        tokens: [{ serviceAccountId: 2, name: 'b', key: bad }],
      }),
    );
    const res = await client((await start(file)).url, `Bearer ${bad}`).get('/api/datasources');
    expect(res.status).toBe(401);
    expect(res.data).toMatchObject({ message: 'Invalid API key', messageId: 'api-key.invalid' });
  });

  it('blocks a login after 5 failures in 5 minutes, even with the right password', async () => {
    const url = (await start(tempFile())).url;
    for (let i = 0; i < 5; i++) {
      expect((await client(url, `Basic ${b64('admin:nope')}`).get('/api/datasources')).data).toMatchObject({
        messageId: 'password-auth.failed',
      });
    }
    const blocked = await client(url).get('/api/datasources');
    expect(blocked.status).toBe(401);
    expect(blocked.data).toMatchObject({
      message: 'Invalid username or password',
      messageId: 'login-attempt.blocked',
    });
  });
});

describe('grafana emulator: main.ts', () => {
  const main = path.join(repoRoot, 'devstack', 'grafana', 'main.ts');

  it('exits 2 with a clear message on bad flags', () => {
    const res = spawnSync('npx', ['tsx', main, '--port', 'nope', '--state-file', tempFile()], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('grafana-emulator: invalid flags');
    expect(res.stderr).toMatch(/expected an integer between 0 and 65535[\s\S]*port/);

    const unknown = spawnSync(process.execPath, ['--import', 'tsx', main, '--bogus'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--bogus'/);

    const missing = spawnSync(process.execPath, ['--import', 'tsx', main], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/state-file/);
  });

  it('exits 1 naming the file when the state file is corrupt', () => {
    const file = tempFile();
    fs.writeFileSync(file, 'not json');
    const res = spawnSync(process.execPath, ['--import', 'tsx', main, `--state-file=${file}`, '--port=0'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`grafana-emulator: Grafana emulator state file ${file} is not valid JSON`);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('logs when listening, takes the password from GF_SECURITY_ADMIN_PASSWORD, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', main, `--state-file=${tempFile()}`, '--port=0'],
      {
        cwd: repoRoot,
        env: { ...process.env, GF_SECURITY_ADMIN_PASSWORD: 'from-env' },
      },
    );
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/[^"\s]+)/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early (${code}): ${out}`)));
    });
    expect((await client(url, `Basic ${b64('admin:from-env')}`).get('/api/datasources')).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('shutting down');
  });
});
