import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { GROUP, PLURAL, VERSION } from '../../crd/constants.js';
import { stackWorkflowId } from '../../domain/stack-ref.js';
import { runCli } from '../support/cli.js';
import { requireEnv } from '../support/env.js';

// `npm start -- --once`: local stack, operator (worker + watcher), a stack
// applied and followed to Ready, then a clean exit. The stack is unlabelled
// (the operator skips test-labelled stacks), so this test removes it by hand.
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

const kc = new k8s.KubeConfig();
kc.loadFromFile(requireEnv('KUBECONFIG'));

afterAll(async () => {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const cr = (await custom
    .getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name })
    .catch(() => undefined)) as { status?: { datasource?: { uid?: string } } } | undefined;
  const uid = cr?.status?.datasource?.uid;
  if (uid) {
    await fetch(`${requireEnv('GRAFANA_URL')}/api/datasources/uid/${uid}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${requireEnv('GRAFANA_TOKEN')}` },
    });
  }
  await custom
    .patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name,
        body: { metadata: { finalizers: null } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )
    .catch(() => undefined);
  await kc
    .makeApiClient(k8s.CoreV1Api)
    .deleteNamespace({ name: namespace })
    .catch(() => undefined);
  const connection = await Connection.connect({ address: requireEnv('TEMPORAL_ADDRESS') });
  await new Client({ connection }).workflow
    .getHandle(stackWorkflowId({ cluster: 'local', namespace, name }))
    .terminate('test finished')
    .catch(() => undefined);
  await connection.close();
});

describe('npm start -- --once', () => {
  it('brings the stack to Ready, prints the Temporal UI link and the datasource as Grafana returns it, and exits 0', async () => {
    const r = await runCli(['start', '--once', '-f', file]);
    expect(r.stderr).toContain(`monitoringstack ${namespace}/${name} created (generation 1)`);
    expect(r.stderr).toMatch(/\[\d+s\] Provisioning/);
    expect(r.stdout).toContain(`${namespace}/${name} is Ready.`);
    expect(r.stdout).toContain(
      `Temporal UI (this stack's workflow): http://127.0.0.1:8233/namespaces/default/workflows/stack%2Flocal%2F${namespace}%2F${name}`,
    );
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
