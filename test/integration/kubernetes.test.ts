import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { requireEnv } from '../support/env.js';
import { until } from '../support/until.js';

// Proves the local control plane is real: CRDs are served, watches deliver
// events, and controllers + scheduler + kwok take a Deployment to Ready.
const kc = new k8s.KubeConfig();
kc.loadFromFile(requireEnv('KUBECONFIG'));
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);

const ns = `it-${randomUUID().slice(0, 8)}`;
const group = 'smoke.stackwright.dev';
const plural = 'widgets';
const crdName = `${plural}.${group}`;

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
});
afterAll(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
  await ext.deleteCustomResourceDefinition({ name: crdName }).catch(() => undefined);
});

describe('Kubernetes control plane (real etcd + kube-apiserver + controllers + kwok)', () => {
  it('kubectl built from the same version lists namespaces', () => {
    const out = execFileSync(
      requireEnv('KUBECTL'),
      ['--kubeconfig', requireEnv('KUBECONFIG'), 'get', 'ns', '-o', 'name'],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toContain('namespace/default');
    expect(out).toContain(`namespace/${ns}`);
  });

  it('serves a CRD, stores a custom resource and delivers it to a watch', async () => {
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural, singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
    await until('CRD Established', async () => {
      const crd = await ext.readCustomResourceDefinition({ name: crdName });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    });

    // A watch on a just-established CRD can get 429 while its watch cache
    // initialises; reconnect as any real watcher must.
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    let req: AbortController | undefined;
    let stopped = false;
    const startWatch = async (): Promise<void> => {
      req = await watch.watch(
        `/apis/${group}/v1/namespaces/${ns}/${plural}`,
        {},
        (type, obj: { metadata?: { name?: string } }) => seen.push(`${type}:${obj.metadata?.name}`),
        (err: unknown) => {
          seen.push(`DONE:${String(err)}`);
          if (!stopped) setTimeout(() => void startWatch().catch(() => undefined), 300);
        },
      );
    };
    await startWatch();
    try {
      await custom.createNamespacedCustomObject({
        group,
        version: 'v1',
        namespace: ns,
        plural,
        body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } },
      });
      await until('watch event', async () => (seen.includes('ADDED:w1') ? true : undefined), 20_000).catch(
        (e: Error) => {
          throw new Error(`${e.message}; saw ${JSON.stringify(seen)}`);
        },
      );
      // The structural schema is enforced by the apiserver, not by us.
      await expect(
        custom.createNamespacedCustomObject({
          group,
          version: 'v1',
          namespace: ns,
          plural,
          body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w2' }, spec: { size: 0 } },
        }),
      ).rejects.toMatchObject({ code: 422 });
    } finally {
      stopped = true;
      req?.abort();
    }
  });

  it('takes a Deployment to Ready: ReplicaSet controller, scheduler and kwok', async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              containers: [
                { name: 'web', image: 'registry.invalid/web:1', ports: [{ containerPort: 8080 }] },
              ],
            },
          },
        },
      },
    });
    const dep = await until(
      'Deployment ready',
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
        return d.status?.readyReplicas === 2 ? d : undefined;
      },
      90_000,
    );
    expect(dep.status?.availableReplicas).toBe(2);
    const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(2);
    for (const p of pods.items) {
      expect(p.spec?.nodeName).toBe('kwok-node-0');
      expect(p.status?.phase).toBe('Running');
      expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    }
  }, 120_000);

  // What the node lifecycle controller does when it has not heard from a node
  // (e.g. after the apiserver was down): the node goes Unknown, its pods NotReady.
  // kwok brings both back, as a kubelet back in touch would.
  const statusPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
  const notReady = (type: string, status: string) => ({
    status: {
      conditions: [
        {
          type,
          status,
          reason: 'NodeNotReady',
          message: 'marked by the test',
          lastTransitionTime: new Date(),
        },
      ],
    },
  });
  const readyOf = (o: { status?: { conditions?: { type: string; status: string }[] } }) =>
    o.status?.conditions?.find((c) => c.type === 'Ready')?.status;

  it('a node marked Unknown and a pod marked NotReady by the node controller become Ready again', async () => {
    const [pod] = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items;
    const name = pod!.metadata!.name!;
    await core.patchNodeStatus({ name: 'kwok-node-0', body: notReady('Ready', 'Unknown') }, statusPatch);
    await core.patchNamespacedPodStatus(
      { name, namespace: ns, body: notReady('Ready', 'False') },
      statusPatch,
    );
    expect(readyOf(await core.readNamespacedPod({ name, namespace: ns }))).toBe('False');
    await until('node Ready again', async () =>
      readyOf(await core.readNode({ name: 'kwok-node-0' })) === 'True' ? true : undefined,
    );
    await until('pod Ready again', async () =>
      readyOf(await core.readNamespacedPod({ name, namespace: ns })) === 'True' ? true : undefined,
    );
    await until('Deployment ready again', async () =>
      (await apps.readNamespacedDeployment({ name: 'web', namespace: ns })).status?.readyReplicas === 2
        ? true
        : undefined,
    );
  }, 90_000);

  it('a deleted pod is gone in seconds, not at the end of its grace period (no process to stop)', async () => {
    const [pod] = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items;
    const name = pod!.metadata!.name!;
    await core.deleteNamespacedPod({ name, namespace: ns, gracePeriodSeconds: 120 });
    await until(
      'pod gone',
      async () =>
        (await core.readNamespacedPod({ name, namespace: ns }).catch(() => undefined)) ? undefined : true,
      30_000,
    );
  }, 60_000);

  it('enforces RBAC: an unauthenticated client is refused', async () => {
    const anon = new k8s.KubeConfig();
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('no cluster in kubeconfig');
    anon.loadFromClusterAndUser(cluster, { name: 'anonymous' });
    await expect(anon.makeApiClient(k8s.CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 403 });
  });
});
