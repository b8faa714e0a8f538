import { describe, expect, it } from '@jest/globals';
import { datasourceUid, objectNames, stackWorkflowId } from '../../domain/stack-ref.js';

const ref = {
  cluster: 'prod-eu',
  namespace: 'team-a',
  name: 'web',
  uid: '6f1c2a8e-0b57-4a57-9d4e-1f0d1c9e2b11',
};

describe('stack identity', () => {
  it('derives a stable datasource uid within Grafana rules', () => {
    const uid = datasourceUid(ref);
    expect(uid).toMatch(/^sw-[0-9a-f]{32}$/);
    expect(uid.length).toBeLessThanOrEqual(40);
    expect(datasourceUid({ ...ref })).toBe(uid);
  });
  it('differs per cluster, namespace, name and CR uid', () => {
    const uids = new Set([
      datasourceUid(ref),
      datasourceUid({ ...ref, cluster: 'prod-us' }),
      datasourceUid({ ...ref, namespace: 'team-b' }),
      datasourceUid({ ...ref, name: 'web2' }),
      datasourceUid({ ...ref, uid: 'another' }),
      datasourceUid({ ...ref, namespace: 'team-a/web', name: '' }),
    ]);
    expect(uids.size).toBe(6);
  });
  it('names the workflow and objects readably', () => {
    expect(stackWorkflowId(ref)).toBe('stack/prod-eu/team-a/web');
    expect(objectNames(ref)).toMatchObject({
      statefulSet: 'web-prometheus',
      loadBalancer: 'web-prometheus-lb',
    });
  });
});
