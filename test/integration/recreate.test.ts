import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { datasourceUid, type StackRef } from '../../domain/stack-ref.js';
import type { Watcher } from '../../watcher/index.js';
import { grafanaApi, type Harness } from '../support/saga-harness.js';
import { startWatched, stopWatched, urlSpec, type StacksApi } from './watcher-support.js';

// Delete a stack and create it again under the same name at once, as a GitOps
// tool replacing the object does: the teardown ends only when the old pods are
// really gone, so the new incarnation provisions at once, with one datasource.
let h: Harness;
let w: Watcher;
let stacks: StacksApi;

beforeAll(async () => {
  ({ h, stacks, w } = await startWatched());
}, 120_000);
afterAll(() => stopWatched(h, w), 90_000);

const refOf = (uid: string): StackRef => ({ cluster: h.cluster, namespace: h.namespace, name: 'again', uid });

describe('delete and re-create the same stack with no pause', () => {
  it('the CR is gone only once its pods are; the new one is Ready with one datasource, the old one gone', async () => {
    const old = refOf((await stacks.create('again', urlSpec())).metadata.uid);
    await stacks.waitReady('again', 1);
    const core = h.kc.makeApiClient(k8s.CoreV1Api);
    const pods = async () =>
      (
        await core.listNamespacedPod({
          namespace: h.namespace,
          labelSelector: 'stackwright.dev/stack=again',
        })
      ).items.map((p) => p.metadata?.name);
    expect(await pods()).toEqual(['again-prometheus-0']);

    await stacks.delete('again');
    await stacks.waitGone('again', 60_000); // what `kubectl delete` waits for
    expect(await pods()).toEqual([]);

    const fresh = refOf((await stacks.create('again', urlSpec())).metadata.uid);
    await stacks.waitReady('again', 1, 60_000);

    const named = (
      (await grafanaApi('GET', '/api/datasources')).body as { uid: string; name: string }[]
    ).filter((d) => d.name === `${h.cluster}/${h.namespace}/again`);
    expect(named.map((d) => d.uid)).toEqual([datasourceUid(fresh)]);
    expect((await grafanaApi('GET', `/api/datasources/uid/${datasourceUid(old)}`)).status).toBe(404);

    // The old teardown said what it waited for, in the CR status while it waited.
    let teardownId: string | undefined;
    for await (const wf of h.client.workflow.list({
      query: `WorkflowId STARTS_WITH "stack/${h.cluster}/${h.namespace}/again/teardown/"`,
    }))
      teardownId = wf.workflowId;
    const history = await h.client.workflow.getHandle(teardownId!).fetchHistory();
    const statusWrites = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === 'patchStackStatus')
      .flatMap((a) => a?.input?.payloads ?? [])
      .map((p) => Buffer.from(p.data ?? []).toString('utf8'));
    expect(statusWrites.join('\n')).toMatch(/waiting until StatefulSet again-prometheus \(deleting\)/);
  }, 180_000);
});
