import { describe, expect, it } from '@jest/globals';
import type { Client } from '@temporalio/client';
import { applySpec, startWithSpec } from '../../client/stack-client.js';
import { parseMonitoringStackSpec } from '../../crd/spec.js';
import type { StackRef } from '../../domain/stack-ref.js';

// The client is where a spec is checked against the CRD's schema before any
// workflow sees it: an invalid one is refused without a single RPC.
const noRpc = new Proxy({} as Client, {
  get: (_t, prop) => {
    throw new Error(`no Temporal call expected (client.${String(prop)})`);
  },
});
const ref: StackRef = { cluster: 'local', namespace: 'team-a', name: 'metrics', uid: 'uid-1' };
const valid = parseMonitoringStackSpec({
  exposure: { url: 'http://prometheus.example.com:9090' },
  grafana: { instance: 'default' },
});
if (!valid.ok) throw new Error(valid.error);
const bad = { ...valid.spec, prometheus: { ...valid.spec.prometheus, replicas: -1 } };

describe('stack client: specs are parsed before they are sent', () => {
  it('applySpec answers invalid with the schema message and makes no call', async () => {
    const a = await applySpec(noRpc, ref, { generation: 2, spec: bad as never });
    expect(a).toEqual({
      accepted: false,
      reason: 'invalid',
      message: expect.stringMatching(/^the spec is invalid: [\s\S]*spec\.prometheus\.replicas/),
    });
  });

  it('startWithSpec throws the schema message and makes no call', async () => {
    await expect(startWithSpec(noRpc, ref, { generation: 1, spec: bad as never })).rejects.toThrow(
      /the spec is invalid: [\s\S]*spec\.prometheus\.replicas/,
    );
  });

  it('a valid spec goes on to Temporal', async () => {
    await expect(applySpec(noRpc, ref, { generation: 1, spec: valid.spec })).rejects.toThrow(
      /no Temporal call expected/,
    );
  });
});
