import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../crd/constants.js';
import { datasourceUid, stackWorkflowId, type StackRef } from '../../domain/stack-ref.js';
import { driftCheckSignal, teardownSignal } from '../../workflows/definitions.js';
import { runCli } from '../support/cli.js';
import { requireEnv } from '../support/env.js';
import { grafanaApi, startHarness, type Harness } from '../support/saga-harness.js';
import { until } from '../support/until.js';

// backend PrometheusOperator against the real prometheus-operator v0.93.1 of the
// local stack (`dev up --with prometheus-operator`; kwok makes its StatefulSets
// Ready). Grafana reaches "Prometheus" at the dev stack's own Prometheus: kwok
// runs no containers, so nothing would answer at a pod's address.
let h: Harness;
let custom: k8s.CustomObjectsApi;
const url = () => requireEnv('PROMETHEUS_URL');
const getDs = (uid: string) => grafanaApi('GET', `/api/datasources/uid/${uid}`);
const monitoring = { group: 'monitoring.coreos.com', version: 'v1' };

type Obj = {
  metadata: { name: string; ownerReferences?: { kind: string; name: string }[] };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
};
const readPrometheus = async (name: string, namespace = h.namespace) =>
  (await custom.getNamespacedCustomObject({ ...monitoring, namespace, plural: 'prometheuses', name })) as Obj;
const gone = async (p: Promise<unknown>) =>
  p.then(
    () => false,
    (e: unknown) => (e as { code?: number }).code === 404,
  );
beforeAll(async () => {
  h = await startHarness();
  custom = h.kc.makeApiClient(k8s.CustomObjectsApi);
  // Fail with the fix, not with a timeout, when the operator is not part of the local stack.
  const served = await custom.getAPIResources(monitoring).catch(() => undefined);
  if (!served?.resources.some((r) => r.name === 'prometheuses') || !process.env.PROMETHEUS_OPERATOR_URL) {
    throw new Error("prometheus-operator is not running: 'npm run dev -- up --with prometheus-operator'");
  }
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('backend PrometheusOperator', () => {
  let ref: StackRef;

  it('reaches Ready through prometheus-operator: the Prometheus resource, its StatefulSet, a healthy datasource', async () => {
    ref = await h.createStack('ops', {
      prometheus: { backend: 'PrometheusOperator', replicas: 1, retention: '2d' },
      exposure: { url: url() },
      grafana: { instance: 'default' },
    });
    const view = await h.waitFor(ref, 'Ready', (v) => v.phase === 'Ready', 120_000);
    expect(view.steps.find((s) => s.step === 'waitPrometheusReady' && s.state === 'done')?.message).toBe(
      '1/1 replicas available',
    );
    const p = await readPrometheus('ops');
    expect(p.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'MonitoringStack', name: 'ops', uid: ref.uid }),
    ]);
    expect(p.spec).toMatchObject({
      replicas: 1,
      retention: '2d',
      version: 'v3.5.0',
      serviceAccountName: 'ops-prometheus',
      serviceMonitorSelector: {},
      podMonitorSelector: {},
      externalLabels: { cluster: h.cluster, namespace: h.namespace, stack: 'ops' },
    });
    // Namespace selectors unset: prometheus-operator looks in the Prometheus' own namespace only.
    expect(p.spec.serviceMonitorNamespaceSelector).toBeUndefined();
    expect(p.status).toMatchObject({ availableReplicas: 1 });
    const sts = await h.kc
      .makeApiClient(k8s.AppsV1Api)
      .readNamespacedStatefulSet({ name: 'prometheus-ops', namespace: h.namespace });
    expect(sts.status?.readyReplicas).toBe(1);

    const health = await grafanaApi('GET', `/api/datasources/uid/${datasourceUid(ref)}/health`);
    expect(health).toMatchObject({ status: 200, body: { status: 'OK' } });
    const cr = await h.getStack('ops');
    expect(cr?.status?.prometheus?.internalUrl).toBe(`http://prometheus-operated.${h.namespace}.svc:9090`);
    expect(cr?.status?.conditions?.find((c) => c.type === 'PrometheusReady')).toMatchObject({
      status: 'True',
    });
  }, 180_000);

  it('selects a ServiceMonitor of its namespace (prometheus-operator writes it into the config Secret), not one of another', async () => {
    const core = h.kc.makeApiClient(k8s.CoreV1Api);
    const other = `${h.namespace}-other`;
    await core.createNamespace({ body: { metadata: { name: other } } });
    try {
      const monitor = (namespace: string) =>
        custom.createNamespacedCustomObject({
          ...monitoring,
          namespace,
          plural: 'servicemonitors',
          body: {
            apiVersion: 'monitoring.coreos.com/v1',
            kind: 'ServiceMonitor',
            metadata: { name: 'web-metrics' },
            spec: { selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'http' }] },
          },
        });
      await monitor(h.namespace);
      await monitor(other);
      const config = await until('the ServiceMonitor in the generated config', async () => {
        const secret = await core.readNamespacedSecret({ name: 'prometheus-ops', namespace: h.namespace });
        const gz = secret.data?.['prometheus.yaml.gz'];
        const text = gz ? gunzipSync(Buffer.from(gz, 'base64')).toString('utf8') : '';
        return text.includes(`serviceMonitor/${h.namespace}/web-metrics/0`) ? text : undefined;
      });
      expect(config).not.toContain(`serviceMonitor/${other}/`);
      expect(config).toMatch(/external_labels:[\s\S]*stack: ops/);
    } finally {
      await core.deleteNamespace({ name: other }).catch(() => undefined);
    }
  }, 120_000);

  it('repairs drift of the Prometheus resource', async () => {
    await custom.patchNamespacedCustomObject(
      {
        ...monitoring,
        namespace: h.namespace,
        plural: 'prometheuses',
        name: 'ops',
        body: { spec: { replicas: 3 } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await h.client.workflow.getHandle(stackWorkflowId(ref)).signal(driftCheckSignal);
    const v = await h.waitFor(ref, 'drift report', (x) => (x.lastDrift?.kubernetes.length ?? 0) > 0);
    expect(v.lastDrift?.kubernetes).toContain('Prometheus/ops');
    expect((await readPrometheus('ops')).spec.replicas).toBe(1);
  }, 90_000);

  it('teardown with Orphan leaves the Prometheus resource, its owner reference removed', async () => {
    const handle = h.client.workflow.getHandle(stackWorkflowId(ref));
    await handle.signal(teardownSignal, { deletionPolicy: 'Orphan' });
    await handle.result();
    expect((await readPrometheus('ops')).metadata.ownerReferences ?? []).toEqual([]);
    await custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: h.namespace,
      plural: PLURAL,
      name: 'ops',
    });
    await new Promise((r) => setTimeout(r, 3000)); // the garbage collector's chance
    expect((await readPrometheus('ops')).metadata.name).toBe('ops');
    expect((await getDs(datasourceUid(ref))).status).toBe(200);
  }, 90_000);

  it('a failed datasource step deletes the Prometheus resource (and so what prometheus-operator made of it)', async () => {
    const bad = await h.createStack('unhealthy', {
      prometheus: { backend: 'PrometheusOperator' },
      // Nothing listens there: Grafana's health check fails until the deadline.
      exposure: { url: 'http://127.0.0.1:1' },
      grafana: { instance: 'default' },
    });
    const view = await h.waitFor(bad, 'Failed', (v) => v.phase === 'Failed', 150_000);
    expect(view.lastError?.step).toBe('checkDatasourceHealth');
    expect(view.steps.filter((s) => s.state === 'compensated').map((s) => s.step)).toEqual([
      'registerDatasource',
      'expose',
      'applyPrometheus',
    ]);
    expect(await gone(readPrometheus('unhealthy'))).toBe(true);
    const apps = h.kc.makeApiClient(k8s.AppsV1Api);
    await until('the operator StatefulSet gone', async () =>
      (await gone(apps.readNamespacedStatefulSet({ name: 'prometheus-unhealthy', namespace: h.namespace })))
        ? true
        : undefined,
    );
    expect((await getDs(datasourceUid(bad))).status).toBe(404);
  }, 180_000);
});

describe('bad PrometheusOperator specs', () => {
  it('the apiserver and the CLI reject monitor selectors on another backend, and bad labels, naming the field', async () => {
    const spec = (prometheus: Record<string, unknown>) => ({
      prometheus,
      exposure: { url: url() },
      grafana: { instance: 'default' },
    });
    const rejected = async (name: string, s: Record<string, unknown>) => {
      const e = (await custom
        .createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: h.namespace,
          plural: PLURAL,
          body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'MonitoringStack', metadata: { name }, spec: s },
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        )) as { code?: number; body?: string } | undefined;
      expect(e?.code).toBe(422);
      return String(e?.body);
    };
    const wrongBackend = await rejected('bad-sel', spec({ serviceMonitorSelector: {} }));
    expect(wrongBackend).toContain('spec.prometheus');
    expect(wrongBackend).toContain('apply only to backend PrometheusOperator');
    const badLabel = await rejected(
      'bad-label',
      spec({ backend: 'PrometheusOperator', podMonitorSelector: { matchLabels: { team: 'a b' } } }),
    );
    expect(badLabel).toContain('spec.prometheus.podMonitorSelector.matchLabels.team');

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-operator-'));
    const f = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      f,
      `apiVersion: ${GROUP}/${VERSION}\nkind: MonitoringStack\nmetadata:\n  name: bad-cli\nspec:\n` +
        `  prometheus: { backend: StatefulSet, serviceMonitorSelector: {} }\n` +
        `  exposure: { url: '${url()}' }\n  grafana: { instance: default }\n`,
    );
    const r = await runCli(['apply', '-f', f, '-n', h.namespace], { STACKWRIGHT_CLUSTER: h.cluster });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('→ at spec.prometheus.serviceMonitorSelector');
    expect(r.stderr).toContain('applies only to backend PrometheusOperator');
  }, 60_000);
});
