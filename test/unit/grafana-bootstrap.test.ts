import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bootstrapServiceAccountToken, GrafanaApiError } from '../../devstack/grafana/bootstrap.js';
import { startGrafanaEmulator, type GrafanaEmulator } from '../../devstack/grafana/server.js';
import { TOKEN_PATTERN } from '../../devstack/grafana/token.js';

describe('grafana bootstrapServiceAccountToken (against the emulator)', () => {
  let emulator: GrafanaEmulator;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-boot-'));
  beforeAll(async () => {
    emulator = await startGrafanaEmulator({
      host: '127.0.0.1',
      port: 0,
      stateFile: path.join(dir, 'state.json'),
      adminUser: 'admin',
      adminPassword: 'pw',
      bruteForceProtection: false,
    });
  });
  afterAll(async () => {
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the service account once and mints a new verified token per call', async () => {
    const opts = { url: `${emulator.url}/`, adminUser: 'admin', adminPassword: 'pw', name: 'stackwright' };
    const a = await bootstrapServiceAccountToken(opts);
    const b = await bootstrapServiceAccountToken(opts);
    expect(a).toMatch(TOKEN_PATTERN);
    expect(b).toMatch(TOKEN_PATTERN);
    expect(a).not.toBe(b);
  });

  it('reports a wrong admin password with the HTTP status and Grafana’s message', async () => {
    const err = await bootstrapServiceAccountToken({
      url: emulator.url,
      adminUser: 'admin',
      adminPassword: 'wrong',
      name: 'x',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrafanaApiError);
    expect(err).toMatchObject({
      status: 401,
      grafanaMessage: 'Invalid username or password',
      messageId: 'password-auth.failed',
      message: 'Grafana service account create failed: HTTP 401: Invalid username or password',
    });
  });

  it('names the unreachable URL when nothing listens there', async () => {
    await expect(
      bootstrapServiceAccountToken({
        url: 'http://127.0.0.1:1',
        adminUser: 'a',
        adminPassword: 'b',
        name: 'x',
      }),
    ).rejects.toThrow(/Grafana at http:\/\/127\.0\.0\.1:1 is unreachable: ECONNREFUSED/);
  });
});
