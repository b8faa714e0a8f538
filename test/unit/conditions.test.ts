import { describe, expect, it } from '@jest/globals';
import { MonitoringStackStatusSchema, type MonitoringStackStatus } from '../../crd/index.js';
import { combineUpdates, mergeStatus, type StatusUpdate } from '../../domain/conditions.js';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';

const current: MonitoringStackStatus = {
  phase: 'Provisioning',
  observedGeneration: 1,
  conditions: [
    {
      type: 'PrometheusReady',
      status: 'False',
      reason: 'Applying',
      message: 'applying',
      observedGeneration: 1,
      lastTransitionTime: T0,
    },
    { type: 'Exposed', status: 'True', reason: 'UrlGiven', message: 'given', lastTransitionTime: T0 },
  ],
  prometheus: { internalUrl: 'http://p.ns.svc:9090' },
  datasource: { uid: 'sw-1', name: 'c/ns/p', grafanaInstance: 'default' },
  workflow: { workflowId: 'stack/c/ns/p', runId: 'r1' },
  lastError: { step: 'applyPrometheus', message: 'boom', time: T0 },
};

describe('mergeStatus', () => {
  it('starts from an empty status', () => {
    const s = mergeStatus(
      undefined,
      {
        phase: 'Pending',
        observedGeneration: 3,
        conditions: [{ type: 'Ready', status: 'Unknown', reason: 'Starting', message: '' }],
      },
      T1,
    );
    expect(s).toEqual({
      phase: 'Pending',
      observedGeneration: 3,
      conditions: [
        {
          type: 'Ready',
          status: 'Unknown',
          reason: 'Starting',
          message: '',
          observedGeneration: 3,
          lastTransitionTime: T1,
        },
      ],
    });
    expect(MonitoringStackStatusSchema.safeParse(s).success).toBe(true);
  });

  it('an empty update changes nothing', () => {
    expect(mergeStatus(current, {}, T1)).toEqual(current);
    expect(mergeStatus(current, { conditions: [] }, T1)).toEqual(current);
  });

  it('keeps lastTransitionTime while a condition keeps its status; reason and message follow the update', () => {
    const s = mergeStatus(
      current,
      { conditions: [{ type: 'PrometheusReady', status: 'False', reason: 'Waiting', message: '0/1 ready' }] },
      T1,
    );
    expect(s.conditions?.[0]).toEqual({
      type: 'PrometheusReady',
      status: 'False',
      reason: 'Waiting',
      message: '0/1 ready',
      lastTransitionTime: T0,
    });
  });

  it('moves lastTransitionTime when the status changes', () => {
    const s = mergeStatus(
      current,
      { conditions: [{ type: 'Exposed', status: 'False', reason: 'Waiting', message: 'no address' }] },
      T1,
    );
    expect(s.conditions?.[1]?.lastTransitionTime).toBe(T1);
    expect(s.conditions?.[0]).toEqual(current.conditions?.[0]);
  });

  it('merges by type: existing ones stay in place, new ones are appended, the last of duplicates wins', () => {
    const s = mergeStatus(
      current,
      {
        observedGeneration: 2,
        conditions: [
          { type: 'Ready', status: 'False', reason: 'First', message: '' },
          { type: 'PrometheusReady', status: 'True', reason: 'Ready', message: '1/1' },
          { type: 'Ready', status: 'False', reason: 'Second', message: '' },
        ],
      },
      T1,
    );
    expect(s.conditions?.map((c) => [c.type, c.reason, c.observedGeneration, c.lastTransitionTime])).toEqual([
      ['PrometheusReady', 'Ready', 2, T1],
      ['Exposed', 'UrlGiven', undefined, T0],
      ['Ready', 'Second', 2, T1],
    ]);
    expect(s.observedGeneration).toBe(2);
  });

  it('stamps observedGeneration only on the conditions of the update, and only when given', () => {
    const s = mergeStatus(
      current,
      { conditions: [{ type: 'PrometheusReady', status: 'False', reason: 'Applying', message: 'applying' }] },
      T1,
    );
    // A condition set without a generation does not keep claiming the old one.
    expect(s.conditions?.[0]?.observedGeneration).toBeUndefined();
    expect(s.observedGeneration).toBe(1);
  });

  it('merges sub-objects key by key; null removes one', () => {
    const s = mergeStatus(
      current,
      {
        prometheus: { externalUrl: 'https://prom.example.com' },
        datasource: null,
        workflow: { runId: 'r2' },
      },
      T1,
    );
    expect(s.prometheus).toEqual({
      internalUrl: 'http://p.ns.svc:9090',
      externalUrl: 'https://prom.example.com',
    });
    expect(s.datasource).toBeUndefined();
    expect('datasource' in s).toBe(false);
    expect(s.workflow).toEqual({ workflowId: 'stack/c/ns/p', runId: 'r2' });
  });

  it('lastError: null clears it, a new one is stamped now, the same one again keeps its time', () => {
    const cleared = mergeStatus(current, { lastError: null }, T1);
    expect('lastError' in cleared).toBe(false);

    const other = mergeStatus(
      current,
      { lastError: { step: 'registerDatasource', message: 'Grafana 500' } },
      T1,
    );
    expect(other.lastError).toEqual({ step: 'registerDatasource', message: 'Grafana 500', time: T1 });

    const same = mergeStatus(current, { lastError: { step: 'applyPrometheus', message: 'boom' } }, T1);
    expect(same.lastError?.time).toBe(T0);
  });

  it('is idempotent: applying the same update twice gives the same status', () => {
    const update = {
      phase: 'Degraded' as const,
      observedGeneration: 4,
      conditions: [{ type: 'Ready' as const, status: 'False' as const, reason: 'Degraded', message: 'x' }],
      lastError: { step: 'healthCheck', message: 'down' },
    };
    const once = mergeStatus(current, update, T1);
    expect(mergeStatus(once, update, '2026-01-01T00:02:00Z')).toEqual(once);
  });

  it('truncates texts to the CRD limits so the write cannot fail on length', () => {
    const long = 'x'.repeat(40_000);
    const s = mergeStatus(
      undefined,
      {
        conditions: [{ type: 'Ready', status: 'False', reason: 'Failed', message: long }],
        lastError: { step: 's'.repeat(200), message: long },
      },
      T1,
    );
    expect(s.conditions?.[0]?.message).toHaveLength(32768);
    expect(s.lastError?.message.endsWith('…')).toBe(true);
    expect(s.lastError?.step).toHaveLength(128);
    expect(MonitoringStackStatusSchema.safeParse(s).success).toBe(true);
  });

  it('does not modify its input', () => {
    const before = structuredClone(current);
    mergeStatus(
      current,
      {
        phase: 'Ready',
        conditions: [{ type: 'Exposed', status: 'False', reason: 'Gone', message: '' }],
        lastError: null,
        prometheus: null,
      },
      T1,
    );
    expect(current).toEqual(before);
  });
});

describe('combineUpdates', () => {
  const steps: StatusUpdate[] = [
    {
      phase: 'Provisioning',
      observedGeneration: 2,
      conditions: [{ type: 'Ready', status: 'False', reason: 'Provisioning', message: 'gen 2' }],
      lastError: null,
    },
    {
      conditions: [{ type: 'PrometheusReady', status: 'True', reason: 'ReplicasReady', message: '1/1' }],
      prometheus: { internalUrl: 'http://q.ns.svc:9090' },
    },
    { prometheus: { externalUrl: 'http://q.example' }, datasource: null },
    {
      datasource: { uid: 'sw-2', name: 'c/ns/q', grafanaInstance: 'default' },
      conditions: [
        { type: 'Exposed', status: 'True', reason: 'AddressAssigned', message: 'http://q.example' },
      ],
    },
    {
      phase: 'Ready',
      observedGeneration: 2,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'generation 2 is ready' }],
      lastError: null,
    },
  ];

  it('writing the combination gives the status that writing each in turn gives', () => {
    const oneByOne = steps.reduce<MonitoringStackStatus>((s, u) => mergeStatus(s, u, T1), current);
    const combined = mergeStatus(current, steps.reduce(combineUpdates), T1);
    // Conditions are compared by type: one write places new ones in the combined order.
    // One difference: every condition in the combined write carries its generation (the saga's).
    const byType = (s: MonitoringStackStatus) => ({
      ...s,
      conditions: [...(s.conditions ?? [])]
        .map(({ observedGeneration: _g, ...c }) => c)
        .sort((a, b) => a.type.localeCompare(b.type)),
    });
    expect(byType(combined)).toEqual(byType(oneByOne));
    expect(combined.conditions?.map((c) => [c.type, c.observedGeneration])).toEqual([
      ['PrometheusReady', 2],
      ['Exposed', 2],
      ['Ready', 2],
    ]);
  });

  it('a later value wins, null removes, and an object after null replaces it', () => {
    expect(combineUpdates({ datasource: null }, { phase: 'Ready' })).toEqual({
      phase: 'Ready',
      datasource: null,
    });
    expect(combineUpdates({ prometheus: null }, { prometheus: { externalUrl: 'http://x' } })).toEqual({
      prometheus: { externalUrl: 'http://x' },
    });
    expect(combineUpdates({ lastError: { step: 'a', message: 'b' } }, { lastError: null })).toEqual({
      lastError: null,
    });
    expect(combineUpdates({}, {})).toEqual({});
  });
});
