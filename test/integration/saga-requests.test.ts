import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stacks } from '../../client/index.js';
import { stackWorkflowId } from '../../domain/stack-ref.js';
import { requireEnv } from '../support/env.js';
import { startHarness, type Harness } from '../support/saga-harness.js';
import { until } from '../support/until.js';

// The stack workflow's Updates on the real local stack: answers and rejections
// a caller can act on, the CR status on resume, and a newer spec cancelling the
// running saga.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const good = () => ({
  prometheus: { replicas: 1 },
  exposure: { url: requireEnv('PROMETHEUS_URL') },
  grafana: { instance: 'default' },
});

async function crPhase(name: string, phase: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cr = await h.getStack(name);
    if (cr?.status?.phase === phase) return cr;
    if (Date.now() > deadline) throw new Error(`CR ${name} not ${phase}: ${JSON.stringify(cr?.status)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('stack workflow updates', () => {
  it('pause and resume of a Failed stack: the CR goes Suspended and back to Failed; retry is refused while paused', async () => {
    const ref = await h.createStack('paused-failed', { ...good(), grafana: { instance: 'nowhere' } });
    await h.waitFor(ref, 'Failed', (v) => v.phase === 'Failed');
    await crPhase('paused-failed', 'Failed');

    expect(await stacks.setPaused(h.client, ref, true)).toEqual({
      accepted: true,
      paused: true,
      changed: true,
    });
    await crPhase('paused-failed', 'Suspended');
    expect(await stacks.retry(h.client, ref)).toEqual({
      accepted: false,
      reason: 'invalid',
      message: 'the stack is paused; resume it first',
    });
    expect(await stacks.checkDrift(h.client, ref)).toMatchObject({ accepted: false, reason: 'invalid' });

    expect(await stacks.setPaused(h.client, ref, false)).toEqual({
      accepted: true,
      paused: false,
      changed: true,
    });
    const cr = await crPhase('paused-failed', 'Failed');
    expect(cr.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Resumed',
      message: expect.stringMatching(/resumed in phase Failed: \[preflight\] unknown Grafana instance/),
    });

    // Failed: a retry is accepted, answered with what runs again, and runs.
    expect(await stacks.retry(h.client, ref)).toEqual({
      accepted: true,
      retrying: 'provision',
      generation: 1,
    });
    const secondId = `${stackWorkflowId(ref)}/provision/g1-2`;
    const second = h.client.workflow.getHandle(secondId);
    // The answer comes before the workflow task that starts the child: wait for it to exist.
    await until(`${secondId} started`, () => second.describe(), 30_000, 200);
    await expect(second.result()).resolves.toMatchObject({ outcome: 'Failed', step: 'preflight' });
  }, 120_000);

  it('apply answers with the generation taken, or rejects a duplicate or stale one', async () => {
    const ref = await h.createStack('gens', { ...good(), grafana: { instance: 'nowhere' } });
    const cr = (await h.getStack('gens'))!;
    expect(await stacks.applySpec(h.client, ref, { generation: 1, spec: cr.spec })).toMatchObject({
      accepted: false,
      reason: 'duplicate',
    });
    expect(await stacks.applySpec(h.client, ref, { generation: 3, spec: cr.spec })).toEqual({
      accepted: true,
      generation: 3,
      first: false,
    });
    expect(await stacks.applySpec(h.client, ref, { generation: 2, spec: cr.spec })).toEqual({
      accepted: false,
      reason: 'stale',
      message: 'generation 2 is older than generation 3',
    });
    // Without a generation (a direct stack) the workflow numbers it.
    expect(await stacks.applySpec(h.client, ref, { spec: cr.spec })).toMatchObject({
      accepted: true,
      generation: 4,
    });
  }, 60_000);

  it('a newer spec cancels the running saga; the newer one reaches Ready', async () => {
    // Generation 1 cannot become ready (no such storage class): its saga waits.
    const ref = await h.createStack('superseded', {
      ...good(),
      prometheus: { replicas: 1, storage: { size: '1Gi', storageClassName: 'no-such-class' } },
    });
    await h.waitFor(ref, 'waiting for readiness', (v) => v.currentStep === 'waitPrometheusReady');
    const generation = await h.updateStack(ref, { prometheus: { replicas: 1, storage: null } });
    expect(generation).toBe(2);
    const view = await h.waitFor(ref, 'Ready at 2', (v) => v.phase === 'Ready' && v.readyGeneration === 2);
    expect(view.observedGeneration).toBe(2);
    const first = await h.client.workflow.getHandle(`${stackWorkflowId(ref)}/provision/g1-1`).describe();
    expect(first.status.name).toBe('CANCELLED');
  }, 150_000);
});
