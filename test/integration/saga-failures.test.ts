import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import net from 'node:net';
import { datasourceUid, type StackRef } from '../../domain/stack-ref.js';
import { requireEnv } from '../support/env.js';
import {
  activeFaults,
  grafanaApi,
  injectFault,
  startHarness,
  type Harness,
} from '../support/saga-harness.js';

// A failure injected at each step: the saga undoes what it did, in reverse
// order, and the CR says which step failed and why. Nothing is left behind.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterEach(async () => {
  await injectFault({ clear: true });
});
afterAll(async () => {
  await h?.close();
});

const good = () => ({
  prometheus: { replicas: 1 },
  exposure: { url: requireEnv('PROMETHEUS_URL') },
  grafana: { instance: 'default' },
});

async function expectNothingLeft(ref: StackRef): Promise<void> {
  const apps = h.kc.makeApiClient(k8s.AppsV1Api);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  await expect(
    apps.readNamespacedStatefulSet({ name: `${ref.name}-prometheus`, namespace: h.namespace }),
  ).rejects.toMatchObject({ code: 404 });
  await expect(
    core.readNamespacedService({ name: `${ref.name}-prometheus`, namespace: h.namespace }),
  ).rejects.toMatchObject({ code: 404 });
  await expect(
    core.readNamespacedConfigMap({ name: `${ref.name}-prometheus`, namespace: h.namespace }),
  ).rejects.toMatchObject({ code: 404 });
  expect((await grafanaApi('GET', `/api/datasources/uid/${datasourceUid(ref)}`)).status).toBe(404);
}

async function failedAt(ref: StackRef, step: string, message: RegExp): Promise<void> {
  const view = await h.waitFor(ref, `Failed at ${step}`, (v) => v.phase === 'Failed', 120_000);
  expect(view.lastError?.step).toBe(step);
  expect(view.lastError?.message).toMatch(message);
  const cr = await h.getStack(ref.name);
  expect(cr?.status?.phase).toBe('Failed');
  expect(cr?.status?.lastError).toMatchObject({ step });
  expect(cr?.status?.lastError?.message).toMatch(message);
  expect(cr?.status?.lastError?.message).toMatch(/Everything created was removed/);
  expect(cr?.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
    status: 'False',
    reason: 'ProvisioningFailed',
  });
}

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('saga failures and compensation', () => {
  it('apply rejected by the apiserver (requests above limits) → Failed, nothing left', async () => {
    const ref = await h.createStack('rejected', {
      ...good(),
      prometheus: { replicas: 1, resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } },
    });
    await failedAt(
      ref,
      'applyPrometheus',
      /StatefulSet.*rejected-prometheus|must be less than or equal to cpu limit/,
    );
    await expectNothingLeft(ref);
  }, 150_000);

  it('readiness deadline passed (pods cannot schedule) → Failed, objects deleted', async () => {
    const ref = await h.createStack('unschedulable', {
      ...good(),
      prometheus: { replicas: 1, storage: { size: '1Gi', storageClassName: 'no-such-class' } },
    });
    await failedAt(ref, 'waitPrometheusReady', /not done within 20s/);
    await expectNothingLeft(ref);
  }, 150_000);

  it('Grafana answering 503 until the deadline → Failed at registration, cluster objects deleted', async () => {
    await injectFault({ method: 'POST', pathPrefix: '/api/datasources', status: 503 });
    const ref = await h.createStack('grafana-down', good());
    await failedAt(ref, 'registerDatasource', /503/);
    await injectFault({ clear: true });
    await expectNothingLeft(ref);
  }, 150_000);

  it('Grafana answering 401 (bad token) → Failed before anything is created', async () => {
    const ref = await h.createStack('bad-token', { ...good(), grafana: { instance: 'badtoken' } });
    await failedAt(ref, 'preflight', /401.*credentials/);
    await expectNothingLeft(ref);
  }, 150_000);

  it('an unknown Grafana instance → Failed with the configured ones named', async () => {
    const ref = await h.createStack('no-instance', { ...good(), grafana: { instance: 'nowhere' } });
    await failedAt(ref, 'preflight', /unknown Grafana instance 'nowhere' \(configured: default, badtoken\)/);
    await expectNothingLeft(ref);
  }, 150_000);

  it('a datasource with the same name and another uid is never taken over', async () => {
    const name = `${h.cluster}/${h.namespace}/collide`;
    const other = await grafanaApi('POST', '/api/datasources', {
      name,
      type: 'prometheus',
      access: 'proxy',
      url: 'http://other:9090',
    });
    const otherUid = (other.body as { datasource: { uid: string } }).datasource.uid;
    const ref = await h.createStack('collide', good());
    await failedAt(
      ref,
      'registerDatasource',
      new RegExp(`by datasource uid '${otherUid}'.*will not take over`),
    );
    const still = await grafanaApi('GET', `/api/datasources/uid/${otherUid}`);
    expect(still.body).toMatchObject({ name, url: 'http://other:9090' });
    await expectNothingLeft(ref);
    await grafanaApi('DELETE', `/api/datasources/uid/${otherUid}`);
  }, 150_000);

  it('a datasource whose Prometheus is unreachable stays unhealthy → Failed, datasource removed', async () => {
    const ref = await h.createStack('unhealthy', {
      ...good(),
      exposure: { url: `http://127.0.0.1:${await closedPort()}` },
    });
    await failedAt(ref, 'checkDatasourceHealth', /There was an error returned querying the Prometheus API/);
    await expectNothingLeft(ref);
  }, 150_000);

  it('a create whose effect landed before the call failed is retried without a duplicate', async () => {
    await injectFault({
      method: 'POST',
      pathPrefix: '/api/datasources',
      status: 500,
      times: 1,
      commitFirst: true,
    });
    const ref = await h.createStack('landed', good());
    await h.waitFor(ref, 'Ready', (v) => v.phase === 'Ready');
    const list = (await grafanaApi('GET', '/api/datasources')).body as { uid: string; name: string }[];
    expect(list.filter((d) => d.name === `${h.cluster}/${h.namespace}/landed`)).toEqual([
      expect.objectContaining({ uid: datasourceUid(ref) }),
    ]);
  }, 150_000);

  // "Busy, retry now" (Retry-After: 0, or a Retry-After date already past): retried
  // at once, not Failed after one attempt (a retry delay of 0 means "no retry" to Temporal).
  it.each([
    ['429 with Retry-After: 0', 'ra-zero', 429, 0],
    ['503 with a Retry-After date in the past', 'ra-past', 503, 'Mon, 01 Jan 2024 00:00:00 GMT'],
  ] as const)(
    '%s on the datasource create → retried at once, Ready',
    async (_, name, status, retryAfter) => {
      // Only this stack's create (its datasource name is in the body), three times in a row.
      const bodyContains = `${h.namespace}/${name}`;
      await injectFault({
        method: 'POST',
        pathPrefix: '/api/datasources',
        bodyContains,
        status,
        retryAfter,
        times: 3,
      });
      const ref = await h.createStack(name, good());
      const view = await h.waitFor(
        ref,
        'Ready or Failed',
        (v) => v.phase === 'Ready' || v.phase === 'Failed',
      );
      expect(view.lastError).toBeUndefined();
      expect(view.phase).toBe('Ready');
      // The fault answered all three times (its rule is used up), then the create went through.
      expect((await activeFaults()).filter((f) => f.bodyContains === bodyContains)).toEqual([]);
      expect((await grafanaApi('GET', `/api/datasources/uid/${datasourceUid(ref)}`)).status).toBe(200);
    },
    150_000,
  );
});
