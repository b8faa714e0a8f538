import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { datasourceUid, type StackRef } from '../../domain/stack-ref.js';
import { grafanaApi, startHarness, type Harness } from '../support/saga-harness.js';
import { requireEnv } from '../support/env.js';
import { driftCheckSignal, teardownSignal } from '../../workflows/definitions.js';
import { stackWorkflowId } from '../../domain/stack-ref.js';
import { SA } from '../../domain/search-attributes.js';

// The whole life of one stack on the real local stack: provision → Ready,
// update, a failed update rolled back, drift repaired, teardown.
let h: Harness;
let ref: StackRef;
const prometheusUrl = () => requireEnv('PROMETHEUS_URL');

beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

type Ds = {
  uid: string;
  name: string;
  url: string;
  jsonData: Record<string, unknown>;
  version: number;
  id: number;
};
const getDs = async (uid: string) => grafanaApi('GET', `/api/datasources/uid/${uid}`);

describe('stack saga lifecycle', () => {
  it('provisions a MonitoringStack to Ready: Prometheus objects with owner refs, datasource registered and healthy', async () => {
    ref = await h.createStack('web', {
      prometheus: { replicas: 1, retention: '2d' },
      exposure: { url: prometheusUrl() },
      grafana: { instance: 'default' },
    });
    const view = await h.waitFor(ref, 'Ready', (v) => v.phase === 'Ready');
    expect(view.readyGeneration).toBe(1);

    const apps = h.kc.makeApiClient(k8s.AppsV1Api);
    const sts = await apps.readNamespacedStatefulSet({ name: 'web-prometheus', namespace: h.namespace });
    expect(sts.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'MonitoringStack',
      name: 'web',
      uid: ref.uid,
      controller: true,
    });
    expect(sts.status?.readyReplicas).toBe(1);

    const ds = await getDs(datasourceUid(ref));
    expect(ds.status).toBe(200);
    expect(ds.body).toMatchObject({
      uid: datasourceUid(ref),
      name: `${h.cluster}/${h.namespace}/web`,
      url: prometheusUrl(),
      type: 'prometheus',
    });
    const health = await grafanaApi('GET', `/api/datasources/uid/${datasourceUid(ref)}/health`);
    expect(health).toMatchObject({ status: 200, body: { status: 'OK' } });

    const cr = await h.getStack('web');
    expect(cr?.status?.phase).toBe('Ready');
    expect(cr?.status?.observedGeneration).toBe(1);
    const conds = Object.fromEntries((cr?.status?.conditions ?? []).map((c) => [c.type, c.status]));
    expect(conds).toMatchObject({
      PrometheusReady: 'True',
      Exposed: 'True',
      DatasourceRegistered: 'True',
      DatasourceHealthy: 'True',
      Ready: 'True',
    });
    expect(cr?.status?.datasource).toMatchObject({ uid: datasourceUid(ref), grafanaInstance: 'default' });
    expect(cr?.status?.workflow?.workflowId).toBe(stackWorkflowId(ref));

    // Every step is visible in the workflow's own view, in order.
    const done = view.steps.filter((s) => s.state === 'done').map((s) => s.step);
    expect(done).toEqual([
      'applyPrometheus',
      'waitPrometheusReady',
      'waitExposed',
      'registerDatasource',
      'checkDatasourceHealth',
    ]);
  }, 120_000);

  it('finds the stack by search attributes (as the Temporal UI does)', async () => {
    const ids: string[] = [];
    for await (const wf of h.client.workflow.list({
      query: `StackNamespace="${h.namespace}" AND StackName="web"`,
    }))
      ids.push(wf.workflowId);
    expect(ids).toContain(stackWorkflowId(ref));
  });

  it('a provision child reports nothing before it waits: no step upsert, no signal; the stack workflow gets the last step', async () => {
    const wid = stackWorkflowId(ref);
    const child = await h.client.workflow.getHandle(`${wid}/provision/g1-1`).fetchHistory();
    const events = child.events ?? [];
    const name = (e: (typeof events)[number]) => e.activityTaskScheduledEventAttributes?.activityType?.name;
    const firstWait = events.findIndex((e) => name(e) === 'awaitPrometheusReady');
    expect(firstWait).toBeGreaterThan(0);
    const stepUpsert = (e: (typeof events)[number]) =>
      Object.keys(
        e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
      ).includes(SA.step.name);
    // Each would cost a workflow task of the child (the signal's answer) and one of the parent.
    const beforeWait = events.slice(0, firstWait);
    expect(beforeWait.filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes)).toEqual([]);
    expect(beforeWait.filter(stepUpsert)).toEqual([]);
    // A saga whose readiness came in the first watch round never reported until its result.
    const waits = events.filter((e) => name(e) === 'awaitPrometheusReady').length;
    const healthChecks = events.filter((e) => name(e) === 'datasourceHealth').length;
    if (waits === 1 && healthChecks === 1) {
      expect(events.filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes)).toEqual([]);
      expect(events.filter(stepUpsert)).toEqual([]);
    }
    const desc = await h.client.workflow.getHandle(wid).describe();
    expect(desc.typedSearchAttributes.get(SA.phase)).toBe('Ready');
    expect(desc.typedSearchAttributes.get(SA.step)).toBe('checkDatasourceHealth');
  });

  it('applies a spec change (only the difference) and reaches Ready at the new generation', async () => {
    const before = (await getDs(datasourceUid(ref))).body as Ds;
    const gen = await h.updateStack(ref, { prometheus: { replicas: 2, retention: '2d' } });
    await h.waitFor(
      ref,
      `Ready at generation ${gen}`,
      (v) => v.phase === 'Ready' && v.readyGeneration === gen,
    );
    const sts = await h.kc
      .makeApiClient(k8s.AppsV1Api)
      .readNamespacedStatefulSet({ name: 'web-prometheus', namespace: h.namespace });
    expect(sts.spec?.replicas).toBe(2);
    const after = (await getDs(datasourceUid(ref))).body as Ds;
    expect(after.version).toBe(before.version); // datasource unchanged: nothing to PUT
    expect(after.id).toBe(before.id);
  }, 120_000);

  it('rolls a failed update back to the last Ready spec instead of deleting everything', async () => {
    // A storage class that does not exist: the pods never schedule, the readiness deadline passes.
    const gen = await h.updateStack(ref, {
      prometheus: {
        replicas: 2,
        retention: '2d',
        storage: { size: '1Gi', storageClassName: 'does-not-exist' },
      },
    });
    const view = await h.waitFor(
      ref,
      'Degraded after rollback',
      (v) => v.phase === 'Degraded' && (v.desiredGeneration ?? 0) >= gen,
    );
    expect(view.lastError?.step).toBe('waitPrometheusReady');
    expect(view.readyGeneration).toBe(gen - 1);

    const sts = await h.kc
      .makeApiClient(k8s.AppsV1Api)
      .readNamespacedStatefulSet({ name: 'web-prometheus', namespace: h.namespace });
    expect(sts.spec?.volumeClaimTemplates ?? []).toHaveLength(0);
    expect((await getDs(datasourceUid(ref))).status).toBe(200);
    const cr = await h.getStack('web');
    expect(cr?.status?.phase).toBe('Degraded');
    expect(cr?.status?.lastError?.message).toMatch(/Rolled back to generation/);
    expect(cr?.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'UpdateRolledBack',
    });
  }, 150_000);

  it('repairs drift: a datasource edited by hand, a deleted one, and a deleted ConfigMap are put back', async () => {
    // Back to a good spec first.
    const gen = await h.updateStack(ref, { prometheus: { replicas: 1, retention: '2d', storage: null } });
    await h.waitFor(ref, 'Ready again', (v) => v.phase === 'Ready' && v.readyGeneration === gen);
    const uid = datasourceUid(ref);
    const handle = h.client.workflow.getHandle(stackWorkflowId(ref));

    // The ConfigMap first: a Grafana drift sweep (if one runs) may ask for a check as soon as the datasource
    // changes, and that check must see both.
    await h.kc
      .makeApiClient(k8s.CoreV1Api)
      .deleteNamespacedConfigMap({ name: 'web-prometheus', namespace: h.namespace });
    const ds = (await getDs(uid)).body as Ds;
    await grafanaApi('PUT', `/api/datasources/uid/${uid}`, {
      ...ds,
      url: 'http://hijacked.example:9090',
      jsonData: { httpMethod: 'GET' },
      access: 'proxy',
    });
    await handle.signal(driftCheckSignal);
    const v1 = await h.waitFor(ref, 'drift report', (v) => (v.lastDrift?.grafana.length ?? 0) > 0);
    expect(v1.lastDrift?.grafana).toEqual(expect.arrayContaining(['datasource.url', 'datasource.jsonData']));
    expect(v1.lastDrift?.kubernetes).toEqual(expect.arrayContaining(['ConfigMap/web-prometheus']));
    expect(((await getDs(uid)).body as Ds).url).toBe(prometheusUrl());

    await grafanaApi('DELETE', `/api/datasources/uid/${uid}`);
    await handle.signal(driftCheckSignal);
    // The report that recreated it (a sweep's check may come first; a later check then finds no drift).
    const v2 = await h.waitFor(ref, 'second drift report', (v) =>
      (v.lastDrift?.grafana ?? []).includes('datasource.created'),
    );
    expect(v2.lastDrift?.at).not.toBe(v1.lastDrift?.at);
    expect((await getDs(uid)).status).toBe(200);
  }, 150_000);

  it('tears down with deletionPolicy Delete: datasource first, then the Prometheus objects; the workflow ends', async () => {
    const uid = datasourceUid(ref);
    const handle = h.client.workflow.getHandle(stackWorkflowId(ref));
    await handle.signal(teardownSignal, { deletionPolicy: 'Delete' });
    const final = await handle.result();
    expect(final.steps.at(-1)).toMatchObject({ step: 'teardown', state: 'done' });
    expect((await getDs(uid)).status).toBe(404);
    const apps = h.kc.makeApiClient(k8s.AppsV1Api);
    await expect(
      apps.readNamespacedStatefulSet({ name: 'web-prometheus', namespace: h.namespace }),
    ).rejects.toMatchObject({ code: 404 });
    await expect(
      h.kc
        .makeApiClient(k8s.CoreV1Api)
        .readNamespacedService({ name: 'web-prometheus', namespace: h.namespace }),
    ).rejects.toMatchObject({
      code: 404,
    });
  }, 120_000);
});
