import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { applySpec } from '../../client/stack-client.js';
import { parseMonitoringStackSpec } from '../../crd/spec.js';
import { stackWorkflowId } from '../../domain/stack-ref.js';
import { statusQuery } from '../../workflows/definitions.js';
import { requireEnv } from '../support/env.js';
import { startHarness, TEST_OPTIONS, type Harness } from '../support/saga-harness.js';

// The stack workflow lives for the life of its stack; it continues-as-new to
// keep its history bounded, carrying its state across runs.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('stack workflow history stays bounded', () => {
  it('continues-as-new after many idle wake-ups and keeps its state and its signals', async () => {
    const parsed = parseMonitoringStackSpec({
      exposure: { url: requireEnv('PROMETHEUS_URL') },
      grafana: { instance: 'nowhere' },
    });
    if (!parsed.ok) throw new Error(parsed.error);
    const ref = h.refFor('bounded');
    // Wakes up about once a second (timer resolution) with nothing to repair (Failed); 10 turns per run.
    expect(
      await applySpec(
        h.client,
        ref,
        { generation: 1, spec: parsed.spec },
        { ...TEST_OPTIONS, driftIntervalMs: 20, continueAsNewAfter: 10 },
      ),
    ).toEqual({ accepted: true, generation: 1, first: true });
    const handle = h.client.workflow.getHandle(stackWorkflowId(ref));
    const firstRun = (await handle.describe()).runId;
    await h.waitFor(ref, 'Failed', (v) => v.phase === 'Failed');

    const deadline = Date.now() + 90_000;
    let runId = firstRun;
    while (runId === firstRun && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      runId = (await h.client.workflow.getHandle(stackWorkflowId(ref)).describe()).runId;
    }
    expect(runId).not.toBe(firstRun);
    expect((await h.client.workflow.getHandle(stackWorkflowId(ref), firstRun).describe()).status.name).toBe(
      'CONTINUED_AS_NEW',
    );

    // The new run carries the view, and still dedups a generation it has already seen.
    const view = await h.client.workflow.getHandle(stackWorkflowId(ref)).query(statusQuery);
    expect(view).toMatchObject({ phase: 'Failed', observedGeneration: 1, lastError: { step: 'preflight' } });
    // The generation survived continue-as-new: the same one again is a duplicate, rejected.
    expect(await applySpec(h.client, ref, { generation: 1, spec: parsed.spec })).toMatchObject({
      accepted: false,
      reason: 'duplicate',
    });
    await new Promise((r) => setTimeout(r, 1500));
    const provisions: string[] = [];
    for await (const wf of h.client.workflow.list({
      query: `WorkflowId STARTS_WITH "${stackWorkflowId(ref)}/provision/"`,
    }))
      provisions.push(wf.workflowId);
    expect(provisions).toEqual([`${stackWorkflowId(ref)}/provision/g1-1`]);
  }, 150_000);
});
