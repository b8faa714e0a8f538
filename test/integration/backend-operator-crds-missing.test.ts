import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KIND } from '../../crd/constants.js';
import { startBareApiserver } from '../support/bare-apiserver.js';
import { requireEnv } from '../support/env.js';
import { namespaceObjects } from '../support/namespace-objects.js';
import { startHarness, type Harness } from '../support/saga-harness.js';

// A PrometheusOperator stack in a cluster without prometheus-operator's CRDs.
// The local cluster has them (npm test runs the operator), so this one is a
// second real kube-apiserver with its own etcd prefix, where they were never
// installed: the same check, against a real apiserver's discovery.
let h: Harness;
let apiserver: Awaited<ReturnType<typeof startBareApiserver>>;

beforeAll(async () => {
  apiserver = await startBareApiserver();
  h = await startHarness({ kubeconfig: apiserver.kubeconfig });
}, 180_000);
afterAll(async () => {
  await h?.close();
  await apiserver?.stop();
});

describe('backend PrometheusOperator without its CRDs', () => {
  it('fails at once, for good, with a condition naming what is missing, and leaves nothing behind', async () => {
    const objects = () =>
      namespaceObjects(h.namespace, apiserver.kubeconfig).filter((o) => !o.startsWith(`${KIND}/`));
    const before = objects();
    const ref = await h.createStack('nocrds', {
      prometheus: { backend: 'PrometheusOperator' },
      exposure: { url: requireEnv('PROMETHEUS_URL') },
      grafana: { instance: 'default' },
    });
    const view = await h.waitFor(ref, 'Failed', (v) => v.phase === 'Failed', 60_000);
    expect(view.lastError?.step).toBe('applyPrometheus');
    expect(view.lastError?.message).toContain('prometheuses.monitoring.coreos.com');
    // Non-retryable: one attempt, the step failed once.
    expect(view.steps.filter((s) => s.step === 'applyPrometheus' && s.state === 'failed')).toHaveLength(1);
    const cr = await h.getStack('nocrds');
    expect(cr?.status?.phase).toBe('Failed');
    expect(cr?.status?.conditions?.find((c) => c.type === 'PrometheusReady')).toMatchObject({
      status: 'False',
      reason: 'PrometheusOperatorCRDsMissing',
      message: expect.stringMatching(
        /Install prometheus-operator in this cluster, or use backend StatefulSet/,
      ),
    });
    expect(objects()).toEqual(before);
  }, 120_000);
});
