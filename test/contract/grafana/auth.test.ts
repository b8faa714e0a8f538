import { describe, expect, it } from '@jest/globals';
import { generateToken } from '../../../devstack/grafana/token.js';
import type { Cleanup } from './helpers.js';
import { useContractTarget, dsBody, serviceAccountToken, suffix } from './helpers.js';
import { type ContractTarget } from './target.js';

describe('Grafana contract: authentication and authorization', () => {
  let target: ContractTarget;
  let cleanup: Cleanup;
  useContractTarget((t, c) => ((target = t), (cleanup = c)));

  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const invalidKey = { message: 'Invalid API key' };

  it('answers 401 {"message":"Unauthorized"} without credentials', async () => {
    for (const path of ['/api/datasources', '/api/serviceaccounts/search']) {
      const res = await target.as().get(path);
      expect(res.status).toBe(401);
      expect(res.data).toMatchObject({ message: 'Unauthorized' });
    }
  });

  it('answers 401 Invalid API key for malformed, tampered and unknown tokens', async () => {
    const unknown = generateToken(); // well-formed, valid checksum, never issued
    const tampered = `${unknown.slice(0, -8)}${unknown.endsWith('0') ? '1' : '0'}${unknown.slice(-7)}`;
    for (const key of [unknown, tampered, 'glsa_short_deadbeef', `not-a-token-${suffix()}`]) {
      const res = await target.as(`Bearer ${key}`).get('/api/datasources');
      expect(res.status).toBe(401);
      expect(res.data).toMatchObject(invalidKey);
    }
  });

  it('answers 401 Invalid username or password for a bad password', async () => {
    // Only the suite's own emulator gets a wrong admin password; elsewhere an unknown user (same
    // answer) so a real Grafana's brute-force protection never locks the real admin out.
    const user = target.managed ? target.adminUser : `contract-nobody-${suffix()}`;
    const res = await target.as(basic(user, `wrong-${suffix()}`)).get('/api/datasources');
    expect(res.status).toBe(401);
    expect(res.data).toMatchObject({ message: 'Invalid username or password' });
  });

  it('answers 403 with the RBAC body to a Viewer service account', async () => {
    const { key } = await serviceAccountToken(target, cleanup, 'Viewer');
    const viewer = target.as(`Bearer ${key}`);
    const create = await viewer.post('/api/datasources', dsBody());
    expect(create.status).toBe(403);
    expect(create.data).toMatchObject({
      title: 'Access denied',
      message: expect.stringMatching(
        /^You'll need additional permissions to perform this action\. Permissions needed: datasources:create/,
      ),
      accessErrorId: expect.stringMatching(/^ACE\d+$/),
    });
    const list = await viewer.get('/api/datasources');
    expect(list.status).toBe(403);
  });

  it('accepts a token as Basic api_key:<token>', async () => {
    const { key } = await serviceAccountToken(target, cleanup, 'Admin');
    const ok = await target.as(basic('api_key', key)).get('/api/datasources');
    expect(ok.status).toBe(200);
    expect(Array.isArray(ok.data)).toBe(true);
    const bad = await target.as(basic('api_key', generateToken())).get('/api/datasources');
    expect(bad.status).toBe(401);
    expect(bad.data).toMatchObject(invalidKey);
  });

  it('rejects a token used with X-Grafana-Org-Id of another org (401)', async () => {
    const { key } = await serviceAccountToken(target, cleanup, 'Admin');
    const own = await target.as(`Bearer ${key}`).get('/api/datasources');
    expect(own.status).toBe(200);
    const other = await target
      .as(`Bearer ${key}`)
      .get('/api/datasources', { headers: { 'X-Grafana-Org-Id': '987654' } });
    expect(other.status).toBe(401);
    expect(other.data).toMatchObject({ message: 'API key does not belong to the requested organization' });
  });

  it('stops accepting a token once it is deleted', async () => {
    const { serviceAccountId, tokenId, key } = await serviceAccountToken(target, cleanup, 'Admin');
    const client = target.as(`Bearer ${key}`);
    expect((await client.get('/api/datasources')).status).toBe(200);
    const del = await target.api.delete(`/api/serviceaccounts/${serviceAccountId}/tokens/${tokenId}`);
    expect(del.status).toBe(200);
    expect(del.data).toMatchObject({ message: 'Service account token deleted' });
    // Allow a real Grafana a moment in case a key lookup is cached.
    let res = await client.get('/api/datasources');
    for (let i = 0; i < 20 && res.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      res = await client.get('/api/datasources');
    }
    expect(res.status).toBe(401);
    expect((res.data as { message: string }).message).toMatch(/^(Invalid|Revoked) API key$/);
  });
});
