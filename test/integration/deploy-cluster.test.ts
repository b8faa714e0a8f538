import { TEST_RUN_LABEL } from '../support/test-run.js';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { createKubernetesActivities } from '../../activities/kubernetes/index.js';
import {
  API_VERSION,
  CRD_NAME,
  GROUP,
  KIND,
  MonitoringStackSchema,
  PLURAL,
  VERSION,
} from '../../crd/index.js';
import type { StackRef } from '../../domain/stack-ref.js';
import { requireEnv } from '../support/env.js';
import { waitCrdsEstablishedSync } from '../../devstack/crd-established.js';

// deploy/ against the real local apiserver (RBAC on, Pod Security admission on):
// a server-side dry-run of everything kustomize renders, then the watcher's and
// the Kubernetes worker's ServiceAccounts and RBAC created for real, probed with
// `kubectl auth can-i`, and the Kubernetes activities run with the worker's own
// token. All in throwaway namespaces, cluster-scoped objects suffixed; removed afterwards.

const KUBECTL = requireEnv('KUBECTL');
const KUBECONFIG = requireEnv('KUBECONFIG');
const SYSTEM_NS = 'stackwright-system';
const id = randomUUID().slice(0, 6);
const opNs = `sw-deploy-${id}`;
const tenantNs = `sw-tenant-${id}`;
const suffix = `-${id}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are untyped YAML
type Obj = Record<string, any>;

function kubectl(args: string[], input?: string) {
  const r = spawnSync(KUBECTL, ['--kubeconfig', KUBECONFIG, ...args], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function kubectlOk(args: string[], input?: string): string {
  const r = kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

const parseAll = (text: string): Obj[] =>
  YAML.parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
const toYaml = (objs: Obj[]) => objs.map((o) => YAML.stringify(o)).join('---\n');

/** The same objects in the test's namespace, cluster-scoped RBAC renamed so nothing real is touched. */
function relocate(objs: Obj[]): Obj[] {
  return objs.map((o) => {
    const c = structuredClone(o);
    if (c.kind === 'Namespace' && c.metadata.name === SYSTEM_NS) c.metadata.name = opNs;
    if (c.metadata.namespace === SYSTEM_NS) c.metadata.namespace = opNs;
    if (c.kind === 'ClusterRole' || c.kind === 'ClusterRoleBinding') c.metadata.name += suffix;
    if (c.kind === 'ClusterRoleBinding') c.roleRef.name += suffix;
    for (const s of c.subjects ?? []) if (s.namespace === SYSTEM_NS) s.namespace = opNs;
    return c;
  });
}

const rendered = relocate(parseAll(kubectlOk(['kustomize', 'deploy'])));
const examples = relocate(
  ['grafana-secret', 'temporal-secrets'].flatMap((f) =>
    parseAll(
      kubectlOk(['create', '--dry-run=client', '-o', 'yaml', '-f', `deploy/examples/${f}.example.yaml`]),
    ),
  ),
);
const RBAC_KINDS = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

beforeAll(() => {
  // Server-side dry-run cannot create the namespace its objects go into: create it (with its PSA labels) for real.
  kubectlOk(['apply', '-f', '-'], toYaml(rendered.filter((o) => o.kind === 'Namespace')));
  kubectlOk(['create', 'namespace', tenantNs]);
  if (kubectl(['get', 'crd', CRD_NAME]).code !== 0) {
    kubectlOk(['apply', '--server-side', '-f', `deploy/crd/${CRD_NAME}.yaml`]);
    waitCrdsEstablishedSync(KUBECTL, KUBECONFIG, [`crd/${CRD_NAME}`]);
  }
});

afterAll(() => {
  for (const kind of ['clusterrolebinding', 'clusterrole']) {
    for (const name of ['stackwright-watcher', 'stackwright-worker-kubernetes']) {
      kubectl(['delete', kind, `${name}${suffix}`, '--ignore-not-found']);
    }
  }
  kubectl(['delete', 'namespace', opNs, tenantNs, '--ignore-not-found', '--wait=false']);
});

describe('deploy/ on the apiserver', () => {
  it('a fleet: agent/ runs the agent with the watcher and Kubernetes worker roles, control-plane/ has no Kubernetes access', () => {
    const names = (dir: string) =>
      parseAll(kubectlOk(['kustomize', dir])).map((o) => `${o.kind as string}/${o.metadata.name as string}`);
    const agent = names('deploy/agent');
    expect(agent.filter((n) => n.startsWith('Deployment/'))).toEqual(['Deployment/stackwright-agent']);
    expect(agent).toEqual(
      expect.arrayContaining([`CustomResourceDefinition/${CRD_NAME}`, 'ServiceAccount/stackwright-agent']),
    );
    for (const o of parseAll(kubectlOk(['kustomize', 'deploy/agent'])).filter((x) =>
      /Binding$/.test(x.kind as string),
    ))
      expect(o.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'stackwright-agent', namespace: SYSTEM_NS },
      ]);
    const cp = names('deploy/control-plane');
    expect(cp.sort()).toEqual([
      'ConfigMap/stackwright-config',
      'Deployment/stackwright-control-plane',
      `Namespace/${SYSTEM_NS}`,
      'ServiceAccount/stackwright-worker-grafana',
    ]);
  });

  it('renders with kustomize into every object, with the image set', () => {
    const kinds = rendered.map((o) => o.kind as string);
    expect(new Set(kinds)).toEqual(
      new Set([
        'Namespace',
        'CustomResourceDefinition',
        'ConfigMap',
        'ServiceAccount',
        'ClusterRole',
        'ClusterRoleBinding',
        'Role',
        'RoleBinding',
        'Deployment',
      ]),
    );
    const images = rendered
      .filter((o) => o.kind === 'Deployment')
      .flatMap((d) => (d.spec.template.spec.containers as Obj[]).map((c) => c.image as string));
    expect(new Set(images)).toEqual(new Set(['registry.example.com/stackwright:0.1.0']));
  });

  it('passes a server-side dry-run apply, Pod Security "restricted" without a warning', () => {
    const r = kubectl(['apply', '--dry-run=server', '-f', '-'], toYaml([...rendered, ...examples]));
    expect({
      code: r.code,
      stderr: r.stderr.replace(/^Warning: .*last-applied-configuration.*\n/m, ''),
    }).toEqual({
      code: 0,
      stderr: '',
    });
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(rendered.length + examples.length);
    for (const l of lines) expect(l).toMatch(/\(server dry run\)$/);
  });

  it('would notice a pod that breaks the restricted level (control)', () => {
    const d = structuredClone(rendered.find((o) => o.kind === 'Deployment')!);
    delete d.spec.template.spec.securityContext.runAsNonRoot;
    const r = kubectl(['apply', '--dry-run=server', '-f', '-'], toYaml([d]));
    expect(r.stderr).toMatch(/would violate PodSecurity "restricted:latest": runAsNonRoot != true/);
  });
});

describe('least-privilege RBAC, for real', () => {
  const as = (sa: string) => `--as=system:serviceaccount:${opNs}:${sa}`;
  /** `kubectl auth can-i`: exit code 0 for yes, 1 for no. */
  function can(sa: string, verb: string, resource: string, ns?: string, subresource?: string): boolean {
    const args = ['auth', 'can-i', as(sa), verb, resource, ...(ns ? ['-n', ns] : ['--all-namespaces'])];
    if (subresource) args.push(`--subresource=${subresource}`);
    const r = kubectl(args);
    if (r.code !== 0 && r.code !== 1) throw new Error(`kubectl auth can-i failed: ${r.stderr}`);
    return r.code === 0;
  }
  const ms = `${PLURAL}.${GROUP}`;
  type Check = [verb: string, resource: string, ns?: string, subresource?: string];
  const expectAll = (sa: string, checks: Check[], allowed: boolean) => {
    const wrong = checks.filter(([v, r, n, s]) => can(sa, v, r, n, s) !== allowed);
    expect({ sa, allowed, wrong }).toEqual({ sa, allowed, wrong: [] });
  };

  beforeAll(() => {
    kubectlOk(['apply', '-f', '-'], toYaml(rendered.filter((o) => RBAC_KINDS.includes(o.kind as string))));
  });

  it('the Kubernetes worker may do what the activities need in any namespace', () => {
    const t = tenantNs;
    expectAll(
      'stackwright-worker-kubernetes',
      [
        ...['get', 'create', 'patch', 'delete'].flatMap((v): Check[] =>
          [
            'serviceaccounts',
            'configmaps',
            'services',
            'statefulsets.apps',
            'ingresses.networking.k8s.io',
            'roles.rbac.authorization.k8s.io',
            'rolebindings.rbac.authorization.k8s.io',
          ].map((r) => [v, r, t]),
        ),
        ['list', 'pods', t],
        ['list', 'persistentvolumeclaims', t],
        ['list', 'events', t],
        ...['get', 'create', 'update'].map((v): Check => [v, 'events.events.k8s.io', t]),
        ['get', ms, t],
        ['update', ms, t, 'status'],
        ['update', ms, t, 'finalizers'],
      ],
      true,
    );
  });

  it('the Kubernetes worker may not read secrets, run pods, delete namespaces or grant itself more', () => {
    expectAll(
      'stackwright-worker-kubernetes',
      [
        ['get', 'secrets', tenantNs],
        ['list', 'secrets'],
        ['delete', 'namespaces'],
        ['create', 'namespaces'],
        ['create', 'pods', tenantNs],
        ['delete', 'events.events.k8s.io', tenantNs],
        ['delete', 'pods', tenantNs],
        ['create', 'pods', tenantNs, 'exec'],
        ['create', 'deployments.apps', tenantNs],
        ['create', 'clusterroles.rbac.authorization.k8s.io'],
        ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
        ['escalate', 'roles.rbac.authorization.k8s.io', tenantNs],
        ['bind', 'roles.rbac.authorization.k8s.io', tenantNs],
        ['impersonate', 'serviceaccounts', tenantNs],
        ['create', 'serviceaccounts', tenantNs, 'token'],
        ['patch', ms, tenantNs],
        ['delete', ms, tenantNs],
        ['create', 'persistentvolumes'],
        ['delete', 'persistentvolumeclaims', tenantNs],
      ],
      false,
    );
  });

  it('the watcher may watch and finalize MonitoringStacks, record events, and hold a lease in its namespace only', () => {
    expectAll(
      'stackwright-watcher',
      [
        ['list', ms],
        ['watch', ms],
        ['patch', ms, tenantNs],
        ['update', ms, tenantNs],
        ['patch', ms, tenantNs, 'status'],
        ['update', ms, tenantNs, 'finalizers'],
        ['create', 'events.events.k8s.io', tenantNs],
        ['update', 'events.events.k8s.io', tenantNs],
        ['create', 'leases.coordination.k8s.io', opNs],
        ['update', 'leases.coordination.k8s.io', opNs],
      ],
      true,
    );
    expectAll(
      'stackwright-watcher',
      [
        ['create', 'leases.coordination.k8s.io', tenantNs],
        ['update', 'leases.coordination.k8s.io', 'kube-system'],
        ['get', 'secrets', opNs],
        ['delete', ms, tenantNs],
        ['create', ms, tenantNs],
        ['create', 'statefulsets.apps', tenantNs],
        ['get', 'configmaps', tenantNs],
        ['delete', 'namespaces'],
      ],
      false,
    );
  });

  it('the workflows and Grafana workers may do nothing at all', () => {
    for (const sa of ['stackwright-worker-workflows', 'stackwright-worker-grafana']) {
      expectAll(
        sa,
        [
          ['get', 'pods', tenantNs],
          ['list', ms],
          ['get', 'secrets', opNs],
          ['get', 'configmaps', opNs],
        ],
        false,
      );
    }
  });

  it('the Kubernetes activities run end to end with the worker ServiceAccount token', async () => {
    const admin = new k8s.KubeConfig();
    admin.loadFromFile(KUBECONFIG);
    const cluster = admin.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster in KUBECONFIG');
    const token = kubectlOk([
      'create',
      'token',
      'stackwright-worker-kubernetes',
      '-n',
      opNs,
      '--duration=10m',
    ]).trim();
    const asWorker = new k8s.KubeConfig();
    asWorker.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'worker', token }],
      contexts: [{ name: 'worker', cluster: cluster.name, user: 'worker' }],
      currentContext: 'worker',
    });

    const created = await admin.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: tenantNs,
      plural: PLURAL,
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name: 'team-rbac', namespace: tenantNs, labels: { [TEST_RUN_LABEL]: 'rbac' } },
        spec: {
          prometheus: { storage: { size: '1Gi' } },
          exposure: { ingress: { host: 'prom.team-rbac.example.com' } },
          grafana: { instance: 'default' },
        },
      },
    });
    const stack = MonitoringStackSchema.parse(created);
    const ref: StackRef = {
      cluster: 'rbac-it',
      namespace: tenantNs,
      name: 'team-rbac',
      uid: stack.metadata.uid ?? '',
    };
    const spec = stack.spec;
    const lbSpec = { ...spec, exposure: { loadBalancer: { port: 9090 } } } as typeof spec;
    const acts = createKubernetesActivities({ kubeConfig: asWorker, cluster: ref.cluster });

    expect(await acts.getStack({ ref })).toMatchObject({ metadata: { uid: ref.uid } });
    const applied = await acts.applyPrometheus({ ref, spec });
    expect(applied.changed).toEqual([
      'ServiceAccount/team-rbac-prometheus',
      'Role/team-rbac-prometheus',
      'RoleBinding/team-rbac-prometheus',
      'ConfigMap/team-rbac-prometheus',
      'Service/team-rbac-prometheus',
      'StatefulSet/team-rbac-prometheus',
    ]);
    expect(await acts.applyPrometheus({ ref, spec })).toMatchObject({ changed: [] });
    // Not ready (no storage provisioner here): readiness lists pods, claims and events to say why.
    expect(await acts.prometheusReadiness({ ref })).toMatchObject({ ready: false });
    expect(await acts.applyExposure({ ref, spec })).toEqual({
      changed: ['Ingress/team-rbac-prometheus'],
      deleted: [],
    });
    expect((await acts.exposureStatus({ ref, spec })).message).toMatch(/waiting for an ingress controller/);
    expect(await acts.applyExposure({ ref, spec: lbSpec })).toEqual({
      changed: ['Service/team-rbac-prometheus-lb'],
      deleted: ['Ingress/team-rbac-prometheus'],
    });
    expect(await acts.patchStackStatus({ ref, update: { phase: 'Provisioning' } })).toMatchObject({
      found: true,
      status: { phase: 'Provisioning' },
    });
    expect((await acts.orphanObjects({ ref })).orphaned).toContain('StatefulSet/team-rbac-prometheus');
    expect(await acts.deleteExposure({ ref })).toEqual({ deleted: ['Service/team-rbac-prometheus-lb'] });
    expect((await acts.deletePrometheus({ ref })).deleted).toHaveLength(6);
  });
});
