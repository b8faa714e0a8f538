import { describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { KWOK_NODE } from '../../devstack/cluster-components.js';
import { isOurs, readPid } from '../../devstack/proc.js';
import { up } from '../../devstack/stack.js';
import { requireEnv } from '../support/env.js';
import { until } from '../support/until.js';
import { TEST_OPTIONS, useHarness } from '../support/saga-harness.js';

// The local stack recovers from an apiserver that hung mid-saga, by itself: `dev
// up` restarts the apiserver (alive, but no longer answering) instead of giving
// up on the whole stack; kwok brings the node, and the pods the node controller
// marked NotReady meanwhile, back to Ready; the saga completes and a new stack
// provisions with no manual step.
const harness = useHarness();

// Longer than the node monitor grace period (50 s), so the node controller does
// mark the node and its pods NotReady once the apiserver answers again.
const HUNG_MS = 65_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const spec = () => ({
  prometheus: { replicas: 1 },
  exposure: { url: requireEnv('PROMETHEUS_URL') },
  grafana: { instance: 'default' },
});
// Long enough for the saga to wait out the outage instead of failing at its deadline.
const patient = { ...TEST_OPTIONS, readinessTimeoutMs: 5 * 60_000 };

describe('apiserver restart mid-saga', () => {
  it('dev up restarts the hung apiserver; the saga completes; a new stack provisions', async () => {
    const h = harness();
    // One stack Ready before: the node controller marks its pod NotReady during the outage.
    const steady = await h.createStack('steady', spec());
    await h.waitFor(steady, 'Ready', (v) => v.phase === 'Ready');
    const ref = await h.createStack('survivor', spec(), patient);
    // Mid-saga: its StatefulSet exists, not yet ready. (A quiet saga reports no step before it waits.)
    const apps = h.kc.makeApiClient(k8s.AppsV1Api);
    await until(
      'the StatefulSet applied',
      async () =>
        (await apps.readNamespacedStatefulSet({ name: 'survivor-prometheus', namespace: h.namespace }))
          .metadata?.uid,
      60_000,
      100,
    );

    const hung = readPid('kube-apiserver');
    expect(isOurs(hung)).toBe(true);
    process.kill(hung!.pid, 'SIGSTOP'); // alive, port bound, answering nothing
    const lines: string[] = [];
    try {
      expect((await h.query(ref)).phase).toBe('Provisioning');
      await sleep(HUNG_MS);
      const r = await up((l) => lines.push(l));
      expect(r.restarted).toEqual(['kube-apiserver']);
      expect(lines).toContain('kube-apiserver is running but unhealthy; restarting it ...');
    } finally {
      if (isOurs(hung)) process.kill(hung.pid, 'SIGCONT');
    }
    expect(isOurs(hung)).toBe(false);

    const view = await h.waitFor(ref, 'Ready after the restart', (v) => v.phase !== 'Provisioning', 240_000);
    expect(view.lastError).toBeUndefined();
    expect(view.phase).toBe('Ready');

    // kwok posts the node's status again on its next heartbeat after the restart; the
    // saga may be Ready before that (CI once read Unknown there).
    const core = h.kc.makeApiClient(k8s.CoreV1Api);
    const nodeReady = async () =>
      (await core.readNode({ name: KWOK_NODE })).status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const nodeDeadline = Date.now() + 60_000;
    while ((await nodeReady()) !== 'True' && Date.now() < nodeDeadline) await sleep(500);
    expect(await nodeReady()).toBe('True');

    // The stack Ready before the outage still is, its pod Ready (whether or not the node
    // controller got to mark it NotReady meanwhile: kubernetes.test.ts covers that path).
    const podReady = async () =>
      (
        await core.readNamespacedPod({ name: 'steady-prometheus-0', namespace: h.namespace })
      ).status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const deadline = Date.now() + 60_000;
    while ((await podReady()) !== 'True' && Date.now() < deadline) await sleep(500);
    expect(await podReady()).toBe('True');

    const next = await h.createStack('newcomer', spec());
    expect((await h.waitFor(next, 'Ready', (v) => v.phase === 'Ready', 120_000)).lastError).toBeUndefined();
  }, 600_000);
});
