import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { datasourceUid, stackWorkflowId, type StackRef } from '../../domain/stack-ref.js';
import { GROUP, PLURAL, VERSION } from '../../crd/constants.js';
import { teardownSignal } from '../../workflows/definitions.js';
import { bundlerOptions } from '../../worker/bundle-options.js';
import { workflowsPath } from '../../worker/workers.js';
import { requireEnv } from '../support/env.js';
import { grafanaApi, startHarness, type Harness } from '../support/saga-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('teardown with deletionPolicy Orphan, and replay of its histories', () => {
  let ref: StackRef;
  const runIds: string[] = [];

  it('Orphan leaves Prometheus and the datasource in place, and deleting the CR does not garbage-collect them', async () => {
    ref = await h.createStack('keep', {
      exposure: { url: requireEnv('PROMETHEUS_URL') },
      grafana: { instance: 'default' },
      deletionPolicy: 'Orphan',
    });
    await h.waitFor(ref, 'Ready', (v) => v.phase === 'Ready');
    const handle = h.client.workflow.getHandle(stackWorkflowId(ref));
    await handle.signal(teardownSignal, { deletionPolicy: 'Orphan' });
    const final = await handle.result();
    expect(final.steps.at(-1)?.message).toMatch(/left in place/);

    await h.kc.makeApiClient(k8s.CustomObjectsApi).deleteNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: h.namespace,
      plural: PLURAL,
      name: 'keep',
    });
    await new Promise((r) => setTimeout(r, 5000)); // give the garbage collector its chance
    const sts = await h.kc
      .makeApiClient(k8s.AppsV1Api)
      .readNamespacedStatefulSet({ name: 'keep-prometheus', namespace: h.namespace });
    expect(sts.metadata?.ownerReferences ?? []).toEqual([]);
    expect((await grafanaApi('GET', `/api/datasources/uid/${datasourceUid(ref)}`)).status).toBe(200);
    await grafanaApi('DELETE', `/api/datasources/uid/${datasourceUid(ref)}`);
    runIds.push((await handle.describe()).runId);
  }, 150_000);

  it('replays the histories it just produced without non-determinism; no secret in them', async () => {
    const histories = [];
    for await (const wf of h.client.workflow.list({
      query: `StackCluster="${h.cluster}" OR WorkflowId STARTS_WITH "${stackWorkflowId(ref)}/"`,
    })) {
      if (wf.status.name === 'RUNNING') continue;
      histories.push({
        workflowId: wf.workflowId,
        history: await h.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory(),
      });
    }
    expect(histories.length).toBeGreaterThanOrEqual(2); // the stack workflow and its provision child at least
    // Secrets never enter workflow inputs or history: activities resolve them.
    for (const { history } of histories) {
      const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
      expect(bytes.includes(requireEnv('GRAFANA_TOKEN'))).toBe(false);
      expect(bytes.includes(ref.uid)).toBe(true); // the check can see payloads at all
    }
    // The recorded fixtures replay in the unit suite (test/unit/replay-histories.test.ts).
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath, bundlerOptions }, histories))
      results.push(r);
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(results.length).toBe(histories.length);
  }, 120_000);
});
