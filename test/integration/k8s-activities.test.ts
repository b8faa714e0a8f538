import { TEST_RUN_LABEL } from '../support/test-run.js';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { parse } from 'yaml';
import { createKubernetesActivities } from '../../activities/kubernetes/index.js';
import {
  API_VERSION,
  GROUP,
  KIND,
  MonitoringStackSchema,
  PLURAL,
  VERSION,
  type MonitoringStackSpec,
  type MonitoringStackSpecInput,
} from '../../crd/index.js';
import { selectorLabels } from '../../activities/kubernetes/metadata.js';
import { KWOK_NODE } from '../../devstack/cluster-components.js';
import { objectNames, type StackRef } from '../../domain/stack-ref.js';
import { requireEnv } from '../support/env.js';
import { until } from '../support/until.js';

// The Kubernetes activities against the real local control plane: apiserver
// validation and server-side apply, the StatefulSet controller, the scheduler,
// kwok as kubelet and the garbage collector in kube-controller-manager.

const kc = new k8s.KubeConfig();
kc.loadFromFile(requireEnv('KUBECONFIG'));
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const net = kc.makeApiClient(k8s.NetworkingV1Api);
const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);

const CLUSTER = 'it-cluster';
const acts = createKubernetesActivities({ kubeConfig: kc, cluster: CLUSTER });
const example = parse(readFileSync(new URL('../../examples/team-a.yaml', import.meta.url), 'utf8')) as {
  spec: MonitoringStackSpecInput;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const code = (e: unknown) => (e as { code?: number }).code;

/** Resolves to undefined on 404, so absence can be asserted and polled for. */
async function orNone<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (code(e) === 404) return undefined;
    throw e;
  }
}

const namespaces: string[] = [];
async function freshNamespace(): Promise<string> {
  const ns = `k8s-acts-${randomUUID().slice(0, 8)}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  namespaces.push(ns);
  return ns;
}

interface TestStack {
  ref: StackRef;
  spec: MonitoringStackSpec;
}

/** A MonitoringStack CR built from the example, with spec parts replaced. */
async function createStack(
  namespace: string,
  overrides: Partial<MonitoringStackSpecInput> = {},
  name = 'team-a',
): Promise<TestStack> {
  const body = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name, namespace, labels: { [TEST_RUN_LABEL]: CLUSTER } },
    spec: { ...example.spec, ...overrides },
  };
  const created = await until('MonitoringStack created', async () =>
    custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, body }),
  );
  const stack = MonitoringStackSchema.parse(created);
  return {
    ref: { cluster: CLUSTER, namespace, name, uid: stack.metadata.uid ?? '' },
    spec: stack.spec,
  };
}

const withSpec = (s: TestStack, overrides: Partial<MonitoringStackSpecInput>): MonitoringStackSpec =>
  ({ ...s.spec, ...overrides }) as MonitoringStackSpec;

async function deleteStack(ref: StackRef): Promise<void> {
  await custom.deleteNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: ref.namespace,
    plural: PLURAL,
    name: ref.name,
  });
  await until('MonitoringStack gone', async () =>
    (await orNone(readStackRaw(ref))) === undefined ? true : undefined,
  );
}

const readStackRaw = (ref: StackRef) =>
  custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: ref.namespace,
    plural: PLURAL,
    name: ref.name,
  }) as Promise<{ metadata: { resourceVersion: string }; status?: Record<string, unknown> }>;

/** Every object applyPrometheus creates, read directly (undefined when absent). */
async function prometheusObjects(ref: StackRef) {
  const n = objectNames(ref);
  const namespace = ref.namespace;
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  return {
    serviceAccount: await orNone(core.readNamespacedServiceAccount({ name: n.serviceAccount, namespace })),
    role: await orNone(rbac.readNamespacedRole({ name: n.serviceAccount, namespace })),
    roleBinding: await orNone(rbac.readNamespacedRoleBinding({ name: n.serviceAccount, namespace })),
    configMap: await orNone(core.readNamespacedConfigMap({ name: n.configMap, namespace })),
    service: await orNone(core.readNamespacedService({ name: n.service, namespace })),
    statefulSet: await orNone(apps.readNamespacedStatefulSet({ name: n.statefulSet, namespace })),
  };
}

const PROMETHEUS_CHANGED = (ref: StackRef) => {
  const n = objectNames(ref);
  return [
    `ServiceAccount/${n.serviceAccount}`,
    `Role/${n.serviceAccount}`,
    `RoleBinding/${n.serviceAccount}`,
    `ConfigMap/${n.configMap}`,
    `Service/${n.service}`,
    `StatefulSet/${n.statefulSet}`,
  ];
};

async function expectFailure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

beforeAll(async () => {
  // Server-side apply of the CRD as shipped, then wait until it is served: a
  // request right after Established can get 429 while its storage initialises.
  // (The typed patch passes the body through as is; KubernetesObjectApi would
  // re-serialise it through V1JSONSchemaProps and drop the x-kubernetes-* keys.)
  const crd = parse(
    readFileSync(new URL('../../deploy/crd/monitoringstacks.stackwright.dev.yaml', import.meta.url), 'utf8'),
  );
  await ext.patchCustomResourceDefinition(
    { name: `${PLURAL}.${GROUP}`, body: crd, fieldManager: 'stackwright-tests', force: true },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
  );
  await until('CRD Established', async () => {
    const c = await ext.readCustomResourceDefinition({ name: `${PLURAL}.${GROUP}` });
    return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')
      ? true
      : undefined;
  });
  await until('CRD served', async () => {
    await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL });
    return true;
  });
}, 90_000);

afterAll(async () => {
  for (const ns of namespaces) await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('applyPrometheus', () => {
  it('creates every object owned by the MonitoringStack; kwok takes the pods to Ready; a second apply changes nothing', async () => {
    const ns = await freshNamespace();
    const { ref, spec } = await createStack(ns);

    const first = await acts.applyPrometheus({ ref, spec });
    expect(first.internalUrl).toBe(`http://team-a-prometheus.${ns}.svc:9090`);
    expect(first.changed).toEqual(PROMETHEUS_CHANGED(ref));

    const objs = await prometheusObjects(ref);
    for (const [what, o] of Object.entries(objs)) {
      expect([what, o?.metadata?.labels?.['stackwright.dev/stack']]).toEqual([what, 'team-a']);
      expect([what, o?.metadata?.ownerReferences]).toEqual([
        what,
        [
          {
            apiVersion: API_VERSION,
            kind: KIND,
            name: 'team-a',
            uid: ref.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      ]);
    }
    const sts = objs.statefulSet!;
    const container = sts.spec?.template.spec?.containers[0];
    expect(container?.image).toBe('quay.io/prometheus/prometheus:v3.5.0');
    expect(container?.args).toContain('--storage.tsdb.retention.time=7d');
    expect(container?.readinessProbe?.httpGet?.path).toBe('/-/ready');
    expect(container?.livenessProbe?.httpGet?.path).toBe('/-/healthy');
    expect(container?.resources?.limits).toEqual({ memory: '1Gi' });
    expect(sts.spec?.template.spec?.securityContext?.runAsNonRoot).toBe(true);
    expect(sts.spec?.template.spec?.volumes?.find((v) => v.name === 'data')?.emptyDir).toEqual({});
    expect(sts.spec?.template.metadata?.annotations?.['stackwright.dev/config-hash']).toMatch(
      /^[0-9a-f]{16}$/,
    );
    expect(objs.service?.spec?.ports).toEqual([
      expect.objectContaining({ name: 'web', port: 9090, targetPort: 'web' }),
    ]);
    expect(objs.configMap?.data?.['prometheus.yml']).toContain('prometheus_io_scrape');
    expect(objs.role?.rules?.[0]?.resources).toEqual(['pods', 'services', 'endpoints']);

    const ready = await until('Prometheus ready', async () => {
      const r = await acts.prometheusReadiness({ ref });
      return r.ready ? r : undefined;
    });
    expect(ready).toEqual({ ready: true, replicas: 1, readyReplicas: 1, message: '1/1 replicas ready' });

    expect(await acts.applyPrometheus({ ref, spec })).toEqual({
      internalUrl: first.internalUrl,
      changed: [],
    });
  });

  it('repairs drift: a hand-scaled StatefulSet and a deleted ConfigMap are put back and reported', async () => {
    const ns = await freshNamespace();
    const { ref, spec } = await createStack(ns);
    await acts.applyPrometheus({ ref, spec });
    const n = objectNames(ref);

    await apps.patchNamespacedStatefulSet(
      { name: n.statefulSet, namespace: ns, body: { spec: { replicas: 3 } }, fieldManager: 'kubectl-edit' },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: n.configMap, namespace: ns });

    const repaired = await acts.applyPrometheus({ ref, spec });
    expect([...repaired.changed].sort()).toEqual([
      `ConfigMap/${n.configMap}`,
      `StatefulSet/${n.statefulSet}`,
    ]);
    const objs = await prometheusObjects(ref);
    expect(objs.statefulSet?.spec?.replicas).toBe(1);
    expect(objs.configMap?.data?.['prometheus.yml']).toBeDefined();
    expect((await acts.applyPrometheus({ ref, spec })).changed).toEqual([]);
  });

  it('rolls the pods when the config changes: the config hash is in the pod template', async () => {
    const ns = await freshNamespace();
    const stack = await createStack(ns);
    const { ref } = stack;
    await acts.applyPrometheus({ ref, spec: stack.spec });
    const before = (await prometheusObjects(ref)).statefulSet?.spec?.template.metadata?.annotations;

    // An ingress path changes the config (metrics path) and the route prefix.
    const spec = withSpec(stack, { exposure: { ingress: { host: 'prom.example.test', path: '/prom/' } } });
    const r = await acts.applyPrometheus({ ref, spec });
    expect(r.internalUrl).toBe(`http://team-a-prometheus.${ns}.svc:9090/prom`);
    expect([...r.changed].sort()).toEqual(['ConfigMap/team-a-prometheus', 'StatefulSet/team-a-prometheus']);
    const sts = (await prometheusObjects(ref)).statefulSet;
    expect(sts?.spec?.template.metadata?.annotations).not.toEqual(before);
    expect(sts?.spec?.template.spec?.containers[0]?.args).toContain('--web.route-prefix=/prom');
    expect(sts?.spec?.template.spec?.containers[0]?.readinessProbe?.httpGet?.path).toBe('/prom/-/ready');
  });

  it('storage with a missing StorageClass: readiness stays false and says the claim is why', async () => {
    const ns = await freshNamespace();
    const { ref, spec } = await createStack(ns, {
      prometheus: { ...example.spec.prometheus, storage: { size: '1Gi', storageClassName: 'no-such-class' } },
    });
    await acts.applyPrometheus({ ref, spec });

    const sts = (await prometheusObjects(ref)).statefulSet;
    const claim = sts?.spec?.volumeClaimTemplates?.[0];
    expect(claim?.metadata?.name).toBe('data');
    expect(claim?.spec?.storageClassName).toBe('no-such-class');
    expect(claim?.spec?.resources?.requests).toEqual({ storage: '1Gi' });
    expect(sts?.spec?.template.spec?.volumes?.some((v) => v.name === 'data')).toBe(false);

    const stuck = await until('readiness explains the unschedulable pod', async () => {
      const r = await acts.prometheusReadiness({ ref });
      return /cannot be scheduled/.test(r.message) && /PersistentVolumeClaim/.test(r.message) ? r : undefined;
    });
    expect(stuck.ready).toBe(false);
    expect(stuck.readyReplicas).toBe(0);
    expect(stuck.message).toMatch(/^0\/1 replicas ready; /);
    expect(stuck.message).toContain('pod team-a-prometheus-0 cannot be scheduled');
    expect(stuck.message).toMatch(/unbound immediate PersistentVolumeClaims/);
    expect(stuck.message).toContain('PersistentVolumeClaim data-team-a-prometheus-0 is Pending');
    expect(stuck.message).toMatch(/no-such-class/);

    // Still not ready a few seconds later: nothing provisions the claim.
    await sleep(3000);
    expect((await acts.prometheusReadiness({ ref })).ready).toBe(false);
  });

  it('an object the apiserver rejects fails for good, naming the object and quoting the reason', async () => {
    const ns = await freshNamespace();
    const { ref, spec } = await createStack(ns, {
      prometheus: { ...example.spec.prometheus, resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } },
    });
    const err = await expectFailure(acts.applyPrometheus({ ref, spec }));
    expect(err.nonRetryable).toBe(true);
    expect(err.type).toBe('KubernetesHttp422');
    expect(err.message).toContain(`apply StatefulSet ${ns}/team-a-prometheus`);
    expect(err.message).toMatch(/must be less than or equal to cpu limit/);
  });

  it('refuses to take over an object of the same name that Stackwright did not create', async () => {
    const ns = await freshNamespace();
    const { ref, spec } = await createStack(ns);
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'team-a-prometheus' } },
    });
    const err = await expectFailure(acts.applyPrometheus({ ref, spec }));
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain(`ConfigMap ${ns}/team-a-prometheus`);
    expect(err.message).toContain('not created by Stackwright');
  });

  it('refuses a ref for another cluster', async () => {
    const err = await expectFailure(
      acts.prometheusReadiness({ ref: { cluster: 'elsewhere', namespace: 'x', name: 'y', uid: '' } }),
    );
    expect(err.nonRetryable).toBe(true);
    expect(err.type).toBe('WrongCluster');
  });

  it('readiness of a stack that was never applied is false with a message, not an error', async () => {
    const ns = await freshNamespace();
    const r = await acts.prometheusReadiness({
      ref: { cluster: CLUSTER, namespace: ns, name: 'nothing', uid: '' },
    });
    expect(r).toEqual({
      ready: false,
      replicas: 0,
      readyReplicas: 0,
      message: 'StatefulSet nothing-prometheus does not exist',
    });
  });

  it('works without a CR (apply --direct): no owner references', async () => {
    const ns = await freshNamespace();
    const ref: StackRef = { cluster: CLUSTER, namespace: ns, name: 'direct', uid: '' };
    const spec = MonitoringStackSchema.shape.spec.parse(example.spec);
    expect((await acts.applyPrometheus({ ref, spec })).changed).toHaveLength(6);
    expect((await prometheusObjects(ref)).statefulSet?.metadata?.ownerReferences).toBeUndefined();
    expect(await acts.patchStackStatus({ ref, update: { phase: 'Ready' } })).toEqual({ found: false });
  });
});

async function setLoadBalancerStatus(
  kind: 'Service' | 'Ingress',
  namespace: string,
  name: string,
  ingress: { ip?: string; hostname?: string }[],
) {
  // What a cloud load balancer or ingress controller would write.
  const opts = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  const body = { status: { loadBalancer: { ingress } } };
  if (kind === 'Service') await core.patchNamespacedServiceStatus({ name, namespace, body }, opts);
  else await net.patchNamespacedIngressStatus({ name, namespace, body }, opts);
}

describe('exposure', () => {
  it('loadBalancer: no URL until an address is published; switching to url deletes the Service', async () => {
    const ns = await freshNamespace();
    const stack = await createStack(ns, {
      exposure: { loadBalancer: { port: 8080, annotations: { 'lb.example.com/internal': 'true' } } },
    });
    const { ref, spec } = stack;
    const lbName = objectNames(ref).loadBalancer;

    expect(await acts.applyExposure({ ref, spec })).toEqual({ changed: [`Service/${lbName}`], deleted: [] });
    expect(await acts.applyExposure({ ref, spec })).toEqual({ changed: [], deleted: [] });
    const svc = await core.readNamespacedService({ name: lbName, namespace: ns });
    expect(svc.spec?.type).toBe('LoadBalancer');
    expect(svc.spec?.ports?.[0]).toMatchObject({ port: 8080, targetPort: 'web' });
    expect(svc.metadata?.annotations).toEqual({ 'lb.example.com/internal': 'true' });
    expect(svc.metadata?.ownerReferences?.[0]?.uid).toBe(ref.uid);

    const waiting = await acts.exposureStatus({ ref, spec });
    expect(waiting.externalUrl).toBeUndefined();
    expect(waiting.message).toMatch(/waiting for a load balancer controller/);

    await setLoadBalancerStatus('Service', ns, lbName, [{ ip: '203.0.113.10' }]);
    expect((await acts.exposureStatus({ ref, spec })).externalUrl).toBe('http://203.0.113.10:8080');

    const urlSpec = withSpec(stack, { exposure: { url: 'http://prom.example.test:9090' } });
    expect(await acts.applyExposure({ ref, spec: urlSpec })).toEqual({
      changed: [],
      deleted: [`Service/${lbName}`],
    });
    expect(await orNone(core.readNamespacedService({ name: lbName, namespace: ns }))).toBeUndefined();
    expect(await acts.exposureStatus({ ref, spec: urlSpec })).toMatchObject({
      externalUrl: 'http://prom.example.test:9090',
    });
  });

  it('ingress: host, class, TLS and path; the URL once an ingress controller published an address', async () => {
    const ns = await freshNamespace();
    const stack = await createStack(ns, {
      exposure: {
        ingress: { host: 'prom.example.test', className: 'nginx', tlsSecretName: 'prom-tls', path: '/prom' },
      },
    });
    const { ref, spec } = stack;
    const name = objectNames(ref).ingress;

    expect(await acts.applyExposure({ ref, spec })).toEqual({ changed: [`Ingress/${name}`], deleted: [] });
    const ing = await net.readNamespacedIngress({ name, namespace: ns });
    expect(ing.spec?.ingressClassName).toBe('nginx');
    expect(ing.spec?.tls).toEqual([{ hosts: ['prom.example.test'], secretName: 'prom-tls' }]);
    expect(ing.spec?.rules?.[0]?.host).toBe('prom.example.test');
    expect(ing.spec?.rules?.[0]?.http?.paths[0]).toMatchObject({
      path: '/prom',
      pathType: 'Prefix',
      backend: { service: { name: objectNames(ref).service, port: { name: 'web' } } },
    });

    const waiting = await acts.exposureStatus({ ref, spec });
    expect(waiting.externalUrl).toBeUndefined();
    expect(waiting.message).toMatch(/waiting for an ingress controller/);

    await setLoadBalancerStatus('Ingress', ns, name, [{ hostname: 'lb.example.test' }]);
    expect((await acts.exposureStatus({ ref, spec })).externalUrl).toBe('https://prom.example.test/prom');

    // Switching to a load balancer removes the Ingress.
    const lbSpec = withSpec(stack, { exposure: { loadBalancer: { port: 9090 } } });
    expect(await acts.applyExposure({ ref, spec: lbSpec })).toEqual({
      changed: [`Service/${objectNames(ref).loadBalancer}`],
      deleted: [`Ingress/${name}`],
    });
    expect(await orNone(net.readNamespacedIngress({ name, namespace: ns }))).toBeUndefined();
  });
});

describe('deletion and ownership', () => {
  it('orphanObjects removes the owner references, so deleting the CR leaves the objects', async () => {
    const ns = await freshNamespace();
    const { ref, spec } = await createStack(ns, { exposure: { loadBalancer: { port: 9090 } } });
    await acts.applyPrometheus({ ref, spec });
    await acts.applyExposure({ ref, spec });

    const first = await acts.orphanObjects({ ref });
    expect([...first.orphaned].sort()).toEqual(
      [...PROMETHEUS_CHANGED(ref), `Service/${objectNames(ref).loadBalancer}`].sort(),
    );
    expect(await acts.orphanObjects({ ref })).toEqual({ orphaned: [] });
    for (const o of Object.values(await prometheusObjects(ref)))
      expect(o?.metadata?.ownerReferences).toBeUndefined();

    await deleteStack(ref);
    await sleep(5000); // time for the garbage collector to act, if it (wrongly) would
    const left = await prometheusObjects(ref);
    for (const [what, o] of Object.entries(left))
      expect([what, o?.metadata?.name]).toEqual([what, expect.any(String)]);
    expect(
      await orNone(core.readNamespacedService({ name: objectNames(ref).loadBalancer, namespace: ns })),
    ).toBeDefined();
  });

  it('with owner references kept, deleting the CR garbage-collects every object', async () => {
    const ns = await freshNamespace();
    const { ref, spec } = await createStack(ns, { exposure: { loadBalancer: { port: 9090 } } });
    await acts.applyPrometheus({ ref, spec });
    await acts.applyExposure({ ref, spec });
    for (const o of Object.values(await prometheusObjects(ref)))
      expect(o?.metadata?.ownerReferences).toHaveLength(1);

    await deleteStack(ref);
    await until('garbage collection', async () => {
      const left = Object.values(await prometheusObjects(ref)).filter((o) => o !== undefined);
      const lb = await orNone(
        core.readNamespacedService({ name: objectNames(ref).loadBalancer, namespace: ns }),
      );
      return left.length === 0 && lb === undefined ? true : undefined;
    });
  });

  it('deletePrometheus and deleteExposure delete what exists and are safe to repeat', async () => {
    const ns = await freshNamespace();
    const { ref, spec } = await createStack(ns, { exposure: { loadBalancer: { port: 9090 } } });
    await acts.applyPrometheus({ ref, spec });
    await acts.applyExposure({ ref, spec });

    expect(await acts.deleteExposure({ ref })).toEqual({
      deleted: [`Service/${objectNames(ref).loadBalancer}`],
    });
    expect(await acts.deleteExposure({ ref })).toEqual({ deleted: [] });
    const first = await acts.deletePrometheus({ ref });
    expect(first.deleted).toEqual([...PROMETHEUS_CHANGED(ref)].reverse());
    // Foreground: the StatefulSet stays until its pods are gone; what is left is named.
    for (const r of first.remaining)
      expect(r).toMatch(new RegExp(`^(StatefulSet ${objectNames(ref).statefulSet} \\(deleting\\)|pod )`));
    expect(await acts.waitPrometheusGone({ ref, timeoutMs: 60_000 })).toEqual({ gone: true, remaining: [] });
    expect(await acts.deletePrometheus({ ref })).toEqual({ deleted: [], remaining: [] });
    for (const o of Object.values(await prometheusObjects(ref))) expect(o).toBeUndefined();

    const nothing: StackRef = { cluster: CLUSTER, namespace: ns, name: 'never-applied', uid: '' };
    expect(await acts.deletePrometheus({ ref: nothing })).toEqual({ deleted: [], remaining: [] });
    expect(await acts.deleteExposure({ ref: nothing })).toEqual({ deleted: [] });
  });
});

describe('a pod left over from an earlier incarnation', () => {
  const HOLD = 'stackwright.dev/test-hold';

  /** A terminating pod with the StatefulSet's first pod name, held by a finalizer until released. */
  async function leftoverPod(ref: StackRef): Promise<() => Promise<void>> {
    const name = `${objectNames(ref).statefulSet}-0`;
    const namespace = ref.namespace;
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name, labels: selectorLabels(ref), finalizers: [HOLD] },
        // Bound to the node directly: an unscheduled pod would be deleted without a grace period.
        spec: {
          nodeName: KWOK_NODE,
          containers: [{ name: 'old', image: 'prom/prometheus' }],
          terminationGracePeriodSeconds: 120,
        },
      },
    });
    await core.deleteNamespacedPod({ name, namespace });
    return async () => {
      await core.patchNamespacedPod(
        { name, namespace, body: [{ op: 'remove', path: '/metadata/finalizers' }] },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
      );
    };
  }

  it('readiness names it as what blocks the StatefulSet; waitPrometheusGone reports it, then sees it go', async () => {
    const ns = await freshNamespace();
    const { ref, spec } = await createStack(ns);
    const release = await leftoverPod(ref);
    const pod = `${objectNames(ref).statefulSet}-0`;

    const held = await acts.waitPrometheusGone({ ref, timeoutMs: 1_000 });
    expect(held.gone).toBe(false);
    expect(held.remaining).toEqual([
      expect.stringMatching(new RegExp(`^pod ${pod} \\(terminating; grace period of 120s ends in \\d+s\\)$`)),
    ]);

    await acts.applyPrometheus({ ref, spec });
    const blocked = await until('readiness names the leftover pod', async () => {
      const r = await acts.prometheusReadiness({ ref });
      return /left over/.test(r.message) ? r : undefined;
    });
    expect(blocked.ready).toBe(false);
    expect(blocked.message).toMatch(
      new RegExp(
        `pod ${pod} is left over from an earlier StatefulSet of the same name and is still terminating \\(its grace period ends in \\d+s\\); the StatefulSet creates its own pod once it is gone`,
      ),
    );

    await release();
    await until('Ready once the leftover is gone', async () =>
      (await acts.prometheusReadiness({ ref })).ready ? true : undefined,
    );
    await acts.deletePrometheus({ ref });
    expect(await acts.waitPrometheusGone({ ref, timeoutMs: 60_000 })).toEqual({ gone: true, remaining: [] });
  }, 120_000);
});

describe('MonitoringStack', () => {
  it('getStack returns the parsed CR, undefined when absent', async () => {
    const ns = await freshNamespace();
    const { ref } = await createStack(ns);
    const stack = await acts.getStack({ ref });
    expect(stack?.metadata.uid).toBe(ref.uid);
    expect(stack?.spec.prometheus).toMatchObject({ backend: 'StatefulSet', retention: '7d' });
    expect(await acts.getStack({ ref: { ...ref, name: 'absent' } })).toBeUndefined();
  });

  it('patchStackStatus merges conditions, keeps lastTransitionTime while the status is unchanged, clears lastError', async () => {
    const ns = await freshNamespace();
    const { ref } = await createStack(ns);

    const first = await acts.patchStackStatus({
      ref,
      update: {
        phase: 'Provisioning',
        observedGeneration: 1,
        conditions: [{ type: 'PrometheusReady', status: 'False', reason: 'Applying', message: 'applying' }],
        prometheus: { internalUrl: 'http://team-a-prometheus.x.svc:9090' },
        lastError: { step: 'applyPrometheus', message: 'boom' },
      },
    });
    if (!first.found) throw new Error('stack not found');
    const t0 = first.status.conditions?.[0]?.lastTransitionTime;
    expect(t0).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(first.status.lastError).toMatchObject({ step: 'applyPrometheus', message: 'boom' });

    await sleep(1100); // timestamps have one-second resolution
    const second = await acts.patchStackStatus({
      ref,
      update: {
        observedGeneration: 2,
        conditions: [
          { type: 'PrometheusReady', status: 'False', reason: 'Waiting', message: '0/1 replicas ready' },
          { type: 'Exposed', status: 'True', reason: 'UrlGiven', message: 'http://127.0.0.1:9090' },
        ],
        prometheus: { externalUrl: 'http://127.0.0.1:9090' },
      },
    });
    if (!second.found) throw new Error('stack not found');
    const [prom, exposed] = second.status.conditions ?? [];
    expect(prom).toMatchObject({
      type: 'PrometheusReady',
      status: 'False',
      reason: 'Waiting',
      message: '0/1 replicas ready',
      observedGeneration: 2,
      lastTransitionTime: t0,
    });
    expect(exposed?.lastTransitionTime).not.toBe(t0);
    expect(second.status.phase).toBe('Provisioning');
    expect(second.status.prometheus).toEqual({
      internalUrl: 'http://team-a-prometheus.x.svc:9090',
      externalUrl: 'http://127.0.0.1:9090',
    });

    await sleep(1100);
    const third = await acts.patchStackStatus({
      ref,
      update: {
        phase: 'Ready',
        conditions: [
          { type: 'PrometheusReady', status: 'True', reason: 'Ready', message: '1/1 replicas ready' },
        ],
        lastError: null,
      },
    });
    if (!third.found) throw new Error('stack not found');
    expect(third.status.conditions?.[0]?.lastTransitionTime).not.toBe(t0);
    expect(third.status.lastError).toBeUndefined();
    expect(third.status.conditions).toHaveLength(2);

    // What was written is what the apiserver holds; repeating an update writes nothing.
    const stored = await readStackRaw(ref);
    expect(stored.status).toEqual(third.status);
    await acts.patchStackStatus({ ref, update: { phase: 'Ready', lastError: null } });
    expect((await readStackRaw(ref)).metadata.resourceVersion).toBe(stored.metadata.resourceVersion);
  });

  it('patchStackStatus rejects an invalid update for good', async () => {
    const ns = await freshNamespace();
    const { ref } = await createStack(ns);
    const err = await expectFailure(
      acts.patchStackStatus({
        ref,
        update: { conditions: [{ type: 'Ready', status: 'True', reason: 'not camel case', message: '' }] },
      }),
    );
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain('reason');
  });

  it('patchStackStatus: found false for a deleted CR, a recreated one and a stack without CR', async () => {
    const ns = await freshNamespace();
    const { ref } = await createStack(ns);
    expect(await acts.patchStackStatus({ ref: { ...ref, uid: '' }, update: { phase: 'Ready' } })).toEqual({
      found: false,
    });
    await deleteStack(ref);
    expect(await acts.patchStackStatus({ ref, update: { phase: 'Ready' } })).toEqual({ found: false });

    // Same name, new incarnation: the old workflow must not write its status.
    await createStack(ns);
    expect(await acts.patchStackStatus({ ref, update: { phase: 'Ready' } })).toEqual({ found: false });
  });
});

describe('awaitPrometheusReady (a watch inside a heartbeating activity)', () => {
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

  it('returns as soon as the StatefulSet is ready, heartbeating the progress meanwhile', async () => {
    const ns = await freshNamespace();
    const { ref, spec } = await createStack(ns);
    const env = new MockActivityEnvironment(undefined, { logger: quiet });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    await acts.applyPrometheus({ ref, spec });
    const r = await env.run(acts.awaitPrometheusReady, { ref, waitMs: 25_000 });
    expect(r).toEqual({ ready: true, replicas: 1, readyReplicas: 1, message: '1/1 replicas ready' });
    // Not ready at the first look (kwok takes seconds): it waited, and said what it waited for.
    expect(beats.length).toBeGreaterThan(0);
    expect(String(beats[0])).toMatch(/replicas ready|does not exist/);
    // Ready already: answers at once.
    const t = Date.now();
    expect((await acts.awaitPrometheusReady({ ref })).ready).toBe(true);
    expect(Date.now() - t).toBeLessThan(5_000);
  }, 90_000);

  it('gives the latest answer after waitMs when it does not get ready, and ends on cancellation', async () => {
    const ns = await freshNamespace();
    const { ref } = await createStack(ns); // nothing applied: no StatefulSet
    const t = Date.now();
    const r = await acts.awaitPrometheusReady({ ref, waitMs: 1_500 });
    expect(r).toMatchObject({ ready: false, message: expect.stringContaining('does not exist') });
    expect(Date.now() - t).toBeGreaterThanOrEqual(1_400);

    const env = new MockActivityEnvironment(undefined, { logger: quiet });
    const run = env.run(acts.awaitPrometheusReady, { ref, waitMs: 25_000 });
    setTimeout(() => env.cancel(), 500);
    const started = Date.now();
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 60_000);

  it('refuses a ref of another cluster', async () => {
    await expect(
      acts.awaitPrometheusReady({ ref: { cluster: 'elsewhere', namespace: 'x', name: 'y', uid: '' } }),
    ).rejects.toThrow(/belongs to cluster elsewhere/);
  });
});
