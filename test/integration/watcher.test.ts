import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { FINALIZER } from '../../crd/constants.js';
import { desiredKey, SA } from '../../domain/search-attributes.js';
import { datasourceUid, stackWorkflowId } from '../../domain/stack-ref.js';
import type { Watcher } from '../../watcher/index.js';
import { grafanaApi, type Harness } from '../support/saga-harness.js';
import {
  condition,
  provisionRuns,
  sleep,
  startWatched,
  stopWatched,
  urlSpec,
  type StacksApi,
  waitProvisionRuns,
  waitUntil,
  watcherFor,
} from './watcher-support.js';

// The watcher against the real local stack: CRs are created through the
// Kubernetes API and the watcher alone hands them to their workflows.
let h: Harness;
let w: Watcher;
let stacks: StacksApi;

beforeAll(async () => {
  ({ h, stacks, w } = await startWatched({ httpAddress: '127.0.0.1:0' }));
}, 120_000);
afterAll(() => stopWatched(h, w), 90_000);

const getText = async (path: string) => {
  const res = await fetch(`${w.httpUrl()}${path}`);
  return { status: res.status, text: await res.text() };
};

describe('watcher: create, update, no duplicate sagas', () => {
  let uid: string;

  it('create: adds the finalizer, starts the stack workflow, and the CR becomes Ready', async () => {
    uid = (await stacks.create('web', urlSpec())).metadata.uid;
    const cr = await stacks.waitReady('web', 1);
    expect(cr.metadata.finalizers).toContain(FINALIZER);
    expect(cr.status?.workflow?.workflowId).toBe(
      stackWorkflowId({ cluster: h.cluster, namespace: h.namespace, name: 'web' }),
    );
    const view = await h.query({ cluster: h.cluster, namespace: h.namespace, name: 'web', uid });
    expect(view.ref.uid).toBe(uid);
    expect(await waitProvisionRuns(h, 'web', 1)).toHaveLength(1);
    expect(w.metrics.get('stackwright_watcher_workflows_started_total')).toBe(1);
    // Started with generation 1 in its input: visibility says so from the start event on.
    const d = await h.client.workflow.getHandle(cr.status!.workflow!.workflowId!).describe();
    expect(d.typedSearchAttributes.get(SA.desired)).toBe(desiredKey(uid, 1));
  }, 120_000);

  it('update: generation 2 is handed over and reaches Ready at 2, in one new saga', async () => {
    const updated = await stacks.patch('web', { spec: { prometheus: { replicas: 2 } } });
    expect(updated.metadata.generation).toBe(2);
    await stacks.waitReady('web', 2);
    const runs = await waitProvisionRuns(h, 'web', 2);
    expect(runs).toHaveLength(2);
    expect(runs.filter((id) => id.includes('/provision/g2-'))).toHaveLength(1);
    const sts = await h.kc
      .makeApiClient(k8s.AppsV1Api)
      .readNamespacedStatefulSet({ name: 'web-prometheus', namespace: h.namespace });
    expect(sts.spec?.replicas).toBe(2);
  }, 120_000);

  it('metadata-only and status-only changes (same generation) start no saga', async () => {
    const before = w.metrics.get('stackwright_watcher_workflows_signalled_total');
    const events = w.metrics.get('stackwright_watcher_events_total', { type: 'MODIFIED' });
    await stacks.patch('web', { metadata: { labels: { team: 'a' } } });
    await stacks.patchStatus('web', { prometheus: { internalUrl: 'http://web-prometheus.example:9090' } });
    await waitUntil(
      'both MODIFIED events',
      () => w.metrics.get('stackwright_watcher_events_total', { type: 'MODIFIED' }) >= events + 2,
    );
    await sleep(1_500);
    expect(w.metrics.get('stackwright_watcher_workflows_signalled_total')).toBe(before);
    expect(await provisionRuns(h, 'web')).toHaveLength(2);
  }, 60_000);

  it('a restarted watcher finds the generation in visibility: no start, no update, no second saga', async () => {
    const id = stackWorkflowId({ cluster: h.cluster, namespace: h.namespace, name: 'web' });
    // Generation 2 came by update: the workflow advertised it itself.
    await waitUntil(
      'StackDesired at generation 2',
      async () =>
        (await h.client.workflow.getHandle(id).describe()).typedSearchAttributes.get(SA.desired) ===
        desiredKey(uid, 2),
    );
    await w.stop();
    w = watcherFor(h, { httpAddress: '127.0.0.1:0' });
    await w.ready;
    await waitUntil(
      'the re-listed stack found handed over',
      () => w.metrics.get('stackwright_watcher_workflows_known_total') >= 1,
    );
    await sleep(1_500);
    expect(w.metrics.get('stackwright_watcher_workflows_started_total')).toBe(0);
    expect(w.metrics.get('stackwright_watcher_workflows_signalled_total')).toBe(0);
    expect(w.metrics.get('stackwright_watcher_workflows_unchanged_total')).toBe(0);
    expect(await provisionRuns(h, 'web')).toHaveLength(2);
    const view = await h.query({ cluster: h.cluster, namespace: h.namespace, name: 'web', uid });
    expect(view).toMatchObject({ phase: 'Ready', readyGeneration: 2, desiredGeneration: 2 });
  }, 60_000);

  it('after such a restart, the next generation is handed over as usual', async () => {
    await stacks.patch('web', { spec: { prometheus: { replicas: 1 } } });
    await stacks.waitReady('web', 3);
    expect(w.metrics.get('stackwright_watcher_workflows_signalled_total')).toBe(1);
    expect(await waitProvisionRuns(h, 'web', 3)).toHaveLength(3);
  }, 120_000);

  it('serves /healthz, /readyz and /metrics', async () => {
    expect(await getText('/healthz')).toMatchObject({ status: 200 });
    expect(await getText('/readyz')).toMatchObject({ status: 200 });
    const m = await getText('/metrics');
    expect(m.status).toBe(200);
    expect(m.text).toMatch(/^stackwright_watcher_leader 1$/m);
    expect(m.text).toMatch(/^stackwright_watcher_events_total\{type="ADDED"\} \d+$/m);
    expect(m.text).toMatch(/^stackwright_watcher_workflows_known_total 1$/m);
    expect((await getText('/nope')).status).toBe(404);
  });
});

describe('watcher: invalid spec', () => {
  // The CRD keeps jsonData as free-form (preserve-unknown-fields), so the
  // apiserver accepts a key the zod schema rejects (over 253 characters).
  const longKey = 'k'.repeat(300);

  it('reports InvalidSpec with the zod message and starts no workflow; a valid generation clears it', async () => {
    const created = await stacks.create(
      'bad',
      urlSpec({ grafana: { instance: 'default', jsonData: { [longKey]: 1 } } }),
    );
    const cr = await stacks.waitFor(
      'bad',
      'InvalidSpec',
      (s) => condition(s, 'InvalidSpec')?.status === 'True',
    );
    expect(cr?.metadata.finalizers).toContain(FINALIZER);
    expect(cr?.status).toMatchObject({ phase: 'Failed', observedGeneration: 1 });
    expect(condition(cr, 'InvalidSpec')?.message).toMatch(/spec\.grafana\.jsonData/);
    expect(condition(cr, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    const ref = { cluster: h.cluster, namespace: h.namespace, name: 'bad' };
    await expect(h.client.workflow.getHandle(stackWorkflowId(ref)).describe()).rejects.toThrow();
    expect(w.metrics.get('stackwright_watcher_invalid_specs_total')).toBe(1);

    await stacks.patch('bad', { spec: { grafana: { jsonData: null } } });
    const fixed = await stacks.waitReady('bad', 2);
    expect(condition(fixed, 'InvalidSpec')).toMatchObject({ status: 'False', reason: 'SpecValid' });
    // The CR turns Ready as the saga ends; the workflow's own view follows a moment later.
    await h.waitFor({ ...ref, uid: created.metadata.uid }, 'Ready at 2', (v) => v.readyGeneration === 2);
  }, 120_000);

  it('a CR that never had a valid spec is deleted without a workflow', async () => {
    await stacks.create('never', urlSpec({ grafana: { instance: 'default', jsonData: { [longKey]: 1 } } }));
    await stacks.waitFor('never', 'InvalidSpec', (s) => condition(s, 'InvalidSpec')?.status === 'True');
    await stacks.delete('never');
    await stacks.waitGone('never', 30_000);
  }, 60_000);
});

describe('watcher: deletion', () => {
  it('Delete: the stack workflow tears down (datasource, objects), then the finalizer goes and the CR is gone', async () => {
    const cr = (await stacks.get('web'))!;
    const ref = { cluster: h.cluster, namespace: h.namespace, name: 'web', uid: cr.metadata.uid };
    expect((await grafanaApi('GET', `/api/datasources/uid/${datasourceUid(ref)}`)).status).toBe(200);
    await stacks.delete('web');
    await stacks.waitGone('web', 60_000);
    expect((await grafanaApi('GET', `/api/datasources/uid/${datasourceUid(ref)}`)).status).toBe(404);
    await expect(
      h.kc
        .makeApiClient(k8s.AppsV1Api)
        .readNamespacedStatefulSet({ name: 'web-prometheus', namespace: h.namespace }),
    ).rejects.toMatchObject({ code: 404 });
    const d = await h.client.workflow.getHandle(stackWorkflowId(ref)).describe();
    expect(d.status.name).toBe('COMPLETED');
  }, 90_000);

  it('Orphan: Prometheus and the datasource stay (without owner references), the CR is gone', async () => {
    const created = await stacks.create('keep', urlSpec({ deletionPolicy: 'Orphan' }));
    await stacks.waitReady('keep', 1);
    const ref = { cluster: h.cluster, namespace: h.namespace, name: 'keep', uid: created.metadata.uid };
    await stacks.delete('keep');
    await stacks.waitGone('keep', 60_000);
    const sts = await h.kc
      .makeApiClient(k8s.AppsV1Api)
      .readNamespacedStatefulSet({ name: 'keep-prometheus', namespace: h.namespace });
    expect(sts.metadata?.ownerReferences ?? []).toHaveLength(0);
    expect((await grafanaApi('GET', `/api/datasources/uid/${datasourceUid(ref)}`)).status).toBe(200);
    await grafanaApi('DELETE', `/api/datasources/uid/${datasourceUid(ref)}`);
    expect(w.metrics.get('stackwright_watcher_finalizers_removed_total')).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
