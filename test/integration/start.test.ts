import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { GROUP, PLURAL, VERSION } from '../../crd/constants.js';
import { clusterDef } from '../../devstack/clusters.js';
import { stackWorkflowId } from '../../domain/stack-ref.js';
import { runCli } from '../support/cli.js';
import { requireEnv } from '../support/env.js';

// `npm start -- --once` (one cluster, the all-in-one operator) and
// `npm start -- --clusters 2 --once` (a control plane and one agent per
// cluster): the local stack, the processes, a stack applied and followed to
// Ready, then a clean exit. The stacks are unlabelled (the processes skip
// test-labelled stacks), so this test removes them by hand. Ports and links
// come from the stack's env file, so it runs under STACKWRIGHT_PORT_OFFSET.
type Cluster = 'local' | 'east';
const namespace = `start-${randomUUID().slice(0, 6)}`;
const name = 'demo';
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sw-start-')), 'stack.yaml');
fs.writeFileSync(
  file,
  `apiVersion: stackwright.dev/v1alpha1
kind: MonitoringStack
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  exposure:
    url: ${requireEnv('PROMETHEUS_URL')}
  grafana:
    instance: default
`,
);
const used = new Set<Cluster>();

/** The CR's datasource, its finalizer, its namespace and its workflow, gone. */
async function cleanUp(cluster: Cluster): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(clusterDef(cluster).kubeconfig);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const at = { group: GROUP, version: VERSION, namespace, plural: PLURAL, name };
  const cr = (await custom.getNamespacedCustomObject(at).catch(() => undefined)) as
    { status?: { datasource?: { uid?: string } } } | undefined;
  const uid = cr?.status?.datasource?.uid;
  if (uid) {
    await fetch(`${requireEnv('GRAFANA_URL')}/api/datasources/uid/${uid}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${requireEnv('GRAFANA_TOKEN')}` },
    });
  }
  await custom
    .patchNamespacedCustomObject(
      { ...at, body: { metadata: { finalizers: null } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )
    .catch(() => undefined);
  await kc
    .makeApiClient(k8s.CoreV1Api)
    .deleteNamespace({ name: namespace })
    .catch(() => undefined);
  const connection = await Connection.connect({ address: requireEnv('TEMPORAL_ADDRESS') });
  await new Client({ connection }).workflow
    .getHandle(stackWorkflowId({ cluster, namespace, name }))
    .terminate('test finished')
    .catch(() => undefined);
  await connection.close();
}

afterAll(async () => {
  for (const c of used) await cleanUp(c);
}, 60_000);

const uiLink = (cluster: Cluster) =>
  `${requireEnv('TEMPORAL_UI_URL')}/namespaces/default/workflows/stack%2F${cluster}%2F${namespace}%2F${name}`;

describe('npm start -- --once', () => {
  it('brings the stack to Ready, prints the Temporal UI link and the datasource as Grafana returns it, and exits 0', async () => {
    used.add('local');
    const r = await runCli(['start', '--once', '-f', file]);
    expect(r.stderr).toContain(`monitoringstack ${namespace}/${name} created (generation 1)`);
    expect(r.stderr).toMatch(/\[\d+s\] Provisioning/);
    expect(r.stdout).toContain(`${namespace}/${name} is Ready.`);
    expect(r.stdout).toContain(`Temporal UI (this stack's workflow): ${uiLink('local')}`);
    const ds = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as {
      name: string;
      url: string;
      type: string;
    };
    expect(ds).toMatchObject({
      name: `local/${namespace}/${name}`,
      url: requireEnv('PROMETHEUS_URL'),
      type: 'prometheus',
    });
    expect(r.code).toBe(0);
  }, 240_000);
});

describe('npm start -- --clusters 2 --once', () => {
  it('brings up east, a control plane and an agent per cluster; both stacks Ready with their own datasource and UI link; exits 0 with the processes stopped', async () => {
    used.add('local');
    used.add('east');
    const r = await runCli(['start', '--clusters', '2', '--once', '-f', file]);
    expect(r.stderr).toMatch(/east\/kube-apiserver/);
    const pids = [...r.stderr.matchAll(/== (control-plane|agent local|agent east) \(pid (\d+)\)/g)];
    expect(pids.map((m) => m[1]).sort()).toEqual(['agent east', 'agent local', 'control-plane']);
    const uids = new Set<string>();
    for (const c of ['local', 'east'] as const) {
      expect(r.stderr).toContain(`[${c}] monitoringstack ${namespace}/${name}`);
      expect(r.stdout).toContain(`${c}/${namespace}/${name} is Ready.`);
      expect(r.stdout).toContain(`Temporal UI: ${uiLink(c)}`);
      const m = r.stdout.match(new RegExp(`Datasource: {2}"${c}/${namespace}/${name}" uid (\\S+) → (\\S+)`));
      expect(m?.[2]).toBe(requireEnv('PROMETHEUS_URL'));
      uids.add(m![1]!);
    }
    expect(uids.size).toBe(2);
    expect(r.code).toBe(0);
    // --once stops what it started: no control plane or agent outlives it.
    for (const [, , pid] of pids) expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
  }, 240_000);
});
