import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { datasourceUid, stackWorkflowId } from '../../domain/stack-ref.js';
import type { Watcher } from '../../watcher/index.js';
import { grafanaApi, startHarness, type Harness } from '../support/saga-harness.js';
import {
  stacksApi,
  stopWatched,
  urlSpec,
  type StacksApi,
  waitProvisionRuns,
  waitUntil,
  watcherFor,
} from './watcher-support.js';

// Restart convergence: whatever happened to MonitoringStacks while no watcher
// ran is found by the first list of the next one.
let h: Harness;
let w: Watcher | undefined;
let stacks: StacksApi;

beforeAll(async () => {
  h = await startHarness();
  stacks = stacksApi(h);
}, 120_000);
afterAll(() => stopWatched(h, w), 90_000);

/**
 * The garbage collector removes the old CR's StatefulSet; kwok then keeps its
 * pod terminating for up to its 120 s grace period, which would hold back the
 * new StatefulSet's pod of the same name. Remove it at once.
 */
async function dropOldPods(name: string): Promise<void> {
  const apps = h.kc.makeApiClient(k8s.AppsV1Api);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  await waitUntil(`StatefulSet ${name}-prometheus collected`, () =>
    apps.readNamespacedStatefulSet({ name: `${name}-prometheus`, namespace: h.namespace }).then(
      () => false,
      (e: { code?: number }) => e.code === 404,
    ),
  );
  const pods = await core.listNamespacedPod({
    namespace: h.namespace,
    labelSelector: `stackwright.dev/stack=${name}`,
  });
  for (const p of pods.items)
    await core
      .deleteNamespacedPod({ name: p.metadata!.name!, namespace: h.namespace, gracePeriodSeconds: 0 })
      .catch(() => undefined);
}

const refOf = (name: string, uid = '') => ({ cluster: h.cluster, namespace: h.namespace, name, uid });

describe('watcher restart convergence', () => {
  const uids: Record<string, string> = {};

  it('converges on stacks created, changed, deleted and recreated while it was down', async () => {
    w = watcherFor(h);
    await w.ready;
    for (const name of ['changed', 'deleted', 'reborn'])
      uids[name] = (await stacks.create(name, urlSpec())).metadata.uid;
    for (const name of ['changed', 'deleted', 'reborn']) await stacks.waitReady(name, 1);
    await w.stop();
    w = undefined;

    // While no watcher runs:
    await stacks.create('created', urlSpec());
    await stacks.patch('changed', { spec: { prometheus: { replicas: 2 } } });
    await stacks.delete('deleted'); // held by the finalizer: still there, with a deletionTimestamp
    expect((await stacks.get('deleted'))?.metadata.deletionTimestamp).toBeDefined();
    // 'reborn' is deleted behind the operator's back (finalizer forced off) and created again:
    // its workflow still serves the old CR.
    await stacks.delete('reborn');
    await stacks.patch('reborn', { metadata: { finalizers: null } });
    await stacks.waitGone('reborn', 10_000);
    await dropOldPods('reborn');
    const reborn = await stacks.create('reborn', urlSpec());
    expect(reborn.metadata.uid).not.toBe(uids.reborn);

    w = watcherFor(h);
    await w.ready;
    await stacks.waitReady('created', 1);
    await stacks.waitReady('changed', 2);
    await stacks.waitGone('deleted', 60_000);
    await stacks.waitReady('reborn', 1, 120_000);

    // 'deleted': torn down (datasource gone), its workflow ended.
    expect(
      (await grafanaApi('GET', `/api/datasources/uid/${datasourceUid(refOf('deleted', uids.deleted))}`))
        .status,
    ).toBe(404);
    expect(
      (await h.client.workflow.getHandle(stackWorkflowId(refOf('deleted'))).describe()).status.name,
    ).toBe('COMPLETED');
    // 'reborn': the old incarnation's datasource is gone, a new workflow serves the new uid.
    expect(
      (await grafanaApi('GET', `/api/datasources/uid/${datasourceUid(refOf('reborn', uids.reborn!))}`))
        .status,
    ).toBe(404);
    const view = await h.waitFor(refOf('reborn'), 'new incarnation Ready', (v) => v.phase === 'Ready');
    expect(view.ref.uid).toBe(reborn.metadata.uid);
    expect(
      (await grafanaApi('GET', `/api/datasources/uid/${datasourceUid(refOf('reborn', reborn.metadata.uid))}`))
        .status,
    ).toBe(200);
    // 'changed': exactly one saga per generation.
    const runs = await waitProvisionRuns(h, 'changed', 2);
    expect(runs.map((id) => id.replace(/.*\/provision\/(g\d+)-\d+$/, '$1'))).toEqual(['g1', 'g2']);
    expect(w.metrics.get('stackwright_watcher_teardowns_total')).toBe(2);
  }, 240_000);
});
