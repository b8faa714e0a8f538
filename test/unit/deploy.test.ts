import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import YAML from 'yaml';
import { grafanaConfigSchema } from '../../activities/grafana/config.js';
import {
  exposureTarget,
  ingressManifest,
  loadBalancerManifest,
} from '../../activities/kubernetes/exposure-manifests.js';
import { ownerReference } from '../../activities/kubernetes/metadata.js';
import { operatorPrometheusManifests } from '../../activities/kubernetes/operator-prometheus-manifests.js';
import { prometheusManifests } from '../../activities/kubernetes/prometheus-manifests.js';
import { exposureKeys, prometheusKeys } from '../../activities/kubernetes/stack-objects.js';
import { CRD_NAME, GROUP, MonitoringStackSpecSchema, PLURAL } from '../../crd/index.js';
import { repoRoot } from '../../devstack/paths.js';
import type { StackRef } from '../../domain/stack-ref.js';
import { loadWatcherConfig } from '../../watcher/config.js';
import { loadWorkerConfig } from '../../worker/config.js';
import { IMAGE_ENV, WORKFLOWS_NODE_FLAGS } from '../../worker/process-flags.js';

// The manifests in deploy/ and the Dockerfile, checked without a cluster: shape,
// least-privilege RBAC derived from what the Kubernetes activities really do,
// hardened pods, and worker settings that the worker's own config parser accepts.
// deploy-cluster.test.ts applies them to the real local apiserver.

const deployDir = path.join(repoRoot, 'deploy');
const NAMESPACE = 'stackwright-system';
/** Not Kubernetes objects: docker compose's Prometheus config, kustomize's own files, the Helm chart (helm-chart.test.ts). */
const isObjectFile = (f: string) =>
  !f.startsWith('compose/') && !f.startsWith('helm/') && path.basename(f) !== 'kustomization.yaml';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are untyped YAML
type Obj = Record<string, any>;
interface Doc {
  file: string;
  obj: Obj;
}

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

function parseDocs(file: string): Obj[] {
  const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(deployDir, file), 'utf8'));
  return docs.flatMap((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    const o = d.toJS() as Obj | null;
    return o === null ? [] : [o];
  });
}

const manifestFiles = yamlFiles(deployDir).filter(isObjectFile);
const docs: Doc[] = manifestFiles.flatMap((file) => parseDocs(file).map((obj) => ({ file, obj })));
const installed = docs.filter((d) => !d.file.startsWith('examples/'));
interface Kustomization {
  resources: string[];
  images?: Obj[];
  patches?: { target: Obj; patch: string }[];
}
const kustomization = (dir: string) => parseDocs(`${dir}kustomization.yaml`)[0] as Kustomization;

const find = (kind: string, name: string): Obj => {
  const d = docs.find((x) => x.obj.kind === kind && x.obj.metadata?.name === name);
  if (!d) throw new Error(`no ${kind} ${name} in deploy/`);
  return d.obj;
};
const deployments = installed.filter((d) => d.obj.kind === 'Deployment').map((d) => d.obj);
const podSpec = (d: Obj): Obj => d.spec.template.spec;

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
]);

describe('deploy/ manifests', () => {
  it('are valid YAML objects with apiVersion, kind and metadata.name', () => {
    expect(docs.length).toBeGreaterThan(10);
    for (const { file, obj } of docs) {
      expect({ file, apiVersion: typeof obj.apiVersion, kind: typeof obj.kind }).toEqual({
        file,
        apiVersion: 'string',
        kind: 'string',
      });
      expect({ file, name: obj.metadata?.name }).toEqual({
        file,
        name: expect.stringMatching(/^[a-z0-9.-]+$/),
      });
      const ns = obj.metadata?.namespace;
      expect({ file, kind: obj.kind, ns }).toEqual({
        file,
        kind: obj.kind,
        ns: CLUSTER_SCOPED.has(obj.kind as string) ? undefined : NAMESPACE,
      });
    }
  });

  it('base/ lists every manifest of the all-in-one install, the generated CRD included; deploy/ is base/', () => {
    const base = kustomization('base/');
    const files = base.resources.filter((r) => r.endsWith('.yaml')).map((r) => `base/${r}`);
    expect(files.sort()).toEqual(manifestFiles.filter((f) => f.startsWith('base/')));
    expect(base.resources).toContain('../crd');
    expect(kustomization('crd/').resources).toEqual([`${CRD_NAME}.yaml`]);
    expect(base.images).toEqual([expect.objectContaining({ name: 'stackwright' })]);
    expect(kustomization('').resources).toEqual(['base']);
  });

  it('agent/ and control-plane/ build on base/, each adding only its own process', () => {
    expect(kustomization('agent/').resources).toEqual(['../base', 'agent.yaml']);
    expect(kustomization('control-plane/').resources).toEqual(['../base', 'control-plane.yaml']);
    // Every manifest file is part of an install (or an example Secret).
    expect(manifestFiles.filter((f) => !/^(base|crd|agent|control-plane|examples)\//.test(f))).toEqual([]);
  });

  it('installs the namespace with the restricted Pod Security level enforced', () => {
    expect(find('Namespace', NAMESPACE).metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });
});

// ---------------------------------------------------------------------------
// RBAC

interface Grant {
  group: string;
  resource: string;
  verb: string;
}
const key = (g: Grant) => `${g.group}/${g.resource}:${g.verb}`;

function grants(role: Obj): Set<string> {
  const out = new Set<string>();
  for (const r of role.rules as Obj[]) {
    for (const group of r.apiGroups as string[])
      for (const resource of r.resources as string[])
        for (const verb of r.verbs as string[]) out.add(key({ group, resource, verb }));
  }
  return out;
}

/** Kind → resource, for every kind the Kubernetes activities touch; a new kind fails here until added. */
const RESOURCES: Record<string, string> = {
  ServiceAccount: 'serviceaccounts',
  ConfigMap: 'configmaps',
  Service: 'services',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  StatefulSet: 'statefulsets',
  Ingress: 'ingresses',
  Pod: 'pods',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  Event: 'events',
  Prometheus: 'prometheuses',
};
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
function resourceOf(kind: string): string {
  const r = RESOURCES[kind];
  if (!r) throw new Error(`the Kubernetes activities manage ${kind}: add it to the worker's ClusterRole`);
  return r;
}

const ref: StackRef = { cluster: 'c', namespace: 'team-a', name: 'team-a', uid: 'u-1' };
const operatorSpec = MonitoringStackSpecSchema.parse({
  prometheus: { backend: 'PrometheusOperator', storage: { size: '10Gi' } },
  exposure: { url: 'http://prom.example.com' },
  grafana: { instance: 'default' },
});
const spec = MonitoringStackSpecSchema.parse({
  prometheus: { storage: { size: '10Gi' } },
  exposure: { url: 'http://prom.example.com' },
  grafana: { instance: 'default' },
});
/** All TypeScript of one directory, to find the API calls it makes. */
const sources = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
// The one MonitoringStack status writer, used by the activities and the watcher alike.
const statusWriterSource = fs.readFileSync(path.join(repoRoot, 'kube', 'stack-status.ts'), 'utf8');
const activitySources = `${sources(path.join(repoRoot, 'activities', 'kubernetes'))}\n${statusWriterSource}`;
// The one Event recorder, next to it.
const eventSources = fs.readFileSync(path.join(repoRoot, 'kube', 'stack-events.ts'), 'utf8');

/** What the Kubernetes worker needs, derived from the activities' manifests, keys and API calls. */
function kubernetesWorkerNeeds(): Set<string> {
  const need = new Set<string>();
  const add = (group: string, resource: string, ...verbs: string[]) =>
    verbs.forEach((verb) => need.add(key({ group, resource, verb })));
  const target = exposureTarget(ref, spec);
  const written = [
    ...(spec.prometheus.backend === 'StatefulSet' ? prometheusManifests(ref, spec, spec.prometheus) : []),
    ...(operatorSpec.prometheus.backend === 'PrometheusOperator'
      ? operatorPrometheusManifests(ref, operatorSpec, operatorSpec.prometheus).manifests
      : []),
    ingressManifest(ref, { host: 'prom.example.com', path: '/' }, target),
    loadBalancerManifest(ref, { port: 9090 }, target),
  ];
  // Server-side apply (patch, and create when absent), read-back, delete, orphaning (merge patch).
  for (const m of [...written, ...prometheusKeys(ref), ...exposureKeys(ref)]) {
    add(groupOf(m.apiVersion), resourceOf(m.kind), 'get', 'create', 'patch', 'delete');
  }
  // Creating Prometheus' Role needs every permission it grants (RBAC escalation check).
  for (const role of written.filter((m) => m.kind === 'Role')) {
    for (const g of grants(role)) need.add(g);
  }
  // Lists, e.g. objects.list('v1', 'Pod', ...), found in the source.
  const lists = [...activitySources.matchAll(/\.list\(\s*'([^']+)',\s*'([^']+)'/g)];
  expect(lists.map((m) => m[2]).sort()).toEqual([
    'Event',
    'PersistentVolumeClaim',
    'PersistentVolumeClaim',
    'Pod',
    'Pod',
    'Pod',
  ]);
  for (const [, apiVersion, kind] of lists) add(groupOf(apiVersion!), resourceOf(kind!), 'list');
  // The MonitoringStack through CustomObjectsApi.
  const VERBS: Record<string, string> = { get: 'get', list: 'list', replace: 'update', patch: 'patch' };
  const custom = [
    ...activitySources.matchAll(/\.(get|list|replace|patch)NamespacedCustomObject(Status)?\(/g),
  ];
  expect(custom.length).toBeGreaterThan(0);
  for (const [, verb, status] of custom) add(GROUP, status ? `${PLURAL}/status` : PLURAL, VERBS[verb!]!);
  // Events on the CR, through the one recorder the status writer calls.
  if (activitySources.includes('recordStackEvent(')) {
    for (const [, verb] of eventSources.matchAll(/\.(read|create|replace)NamespacedEvent\(/g))
      add('events.k8s.io', 'events', { read: 'get', create: 'create', replace: 'update' }[verb!]!);
  }
  // blockOwnerDeletion on owner references: update on the owner's finalizers.
  if (ownerReference(ref).blockOwnerDeletion) add(GROUP, `${PLURAL}/finalizers`, 'update');
  return need;
}

describe('RBAC', () => {
  const roles = installed
    .filter((d) => ['Role', 'ClusterRole'].includes(d.obj.kind as string))
    .map((d) => d.obj);
  const bindings = installed
    .filter((d) => ['RoleBinding', 'ClusterRoleBinding'].includes(d.obj.kind as string))
    .map((d) => d.obj);

  it('has no wildcards, no secrets and no privilege-granting verbs', () => {
    expect(roles.length).toBeGreaterThanOrEqual(3);
    for (const role of roles) {
      for (const r of role.rules as Obj[]) {
        const all = [...r.apiGroups, ...r.resources, ...r.verbs, ...(r.resourceNames ?? [])] as string[];
        expect({ role: role.metadata.name, wildcard: all.filter((x) => x.includes('*')) }).toEqual({
          role: role.metadata.name,
          wildcard: [],
        });
        expect(r.nonResourceURLs).toBeUndefined();
        expect(r.resources).not.toContain('secrets');
        for (const v of ['escalate', 'bind', 'impersonate', 'deletecollection'])
          expect(r.verbs).not.toContain(v);
      }
    }
  });

  it('binds only its own roles, to its own ServiceAccounts', () => {
    const roleNames = new Set(roles.map((r) => `${r.kind}/${r.metadata.name}`));
    for (const b of bindings) {
      expect(roleNames).toContain(`${b.roleRef.kind}/${b.roleRef.name}`);
      expect(b.subjects).toEqual([
        { kind: 'ServiceAccount', name: expect.stringMatching(/^stackwright-/), namespace: NAMESPACE },
      ]);
    }
  });

  it('gives the Kubernetes worker exactly what the Kubernetes activities use', () => {
    const have = grants(find('ClusterRole', 'stackwright-worker-kubernetes'));
    const need = kubernetesWorkerNeeds();
    expect([...need].filter((g) => !have.has(g)).sort()).toEqual([]);
    expect([...have].filter((g) => !need.has(g)).sort()).toEqual([]);
    expect(have).not.toContain(key({ group: '', resource: 'pods', verb: 'create' }));
  });

  it('gives the watcher its MonitoringStack verbs cluster-wide and leases only in its namespace', () => {
    const cluster = grants(find('ClusterRole', 'stackwright-watcher'));
    for (const verb of ['get', 'list', 'watch', 'patch', 'update'])
      expect(cluster).toContain(`${GROUP}/${PLURAL}:${verb}`);
    for (const verb of ['get', 'patch', 'update'])
      expect(cluster).toContain(`${GROUP}/${PLURAL}/status:${verb}`);
    expect(cluster).toContain(`${GROUP}/${PLURAL}/finalizers:update`);
    for (const verb of ['get', 'create', 'update']) expect(cluster).toContain(`events.k8s.io/events:${verb}`);
    expect([...cluster].filter((g) => g.includes('leases'))).toEqual([]);
    const lease = find('Role', 'stackwright-watcher-leader-election');
    expect(lease.metadata.namespace).toBe(NAMESPACE);
    expect(grants(lease)).toEqual(
      new Set(['get', 'create', 'update'].map((v) => `coordination.k8s.io/leases:${v}`)),
    );
  });

  it('gives the watcher every permission its code uses', () => {
    const source = `${sources(path.join(repoRoot, 'watcher'))}\n${statusWriterSource}`;
    const VERBS: Record<string, string> = {
      get: 'get',
      read: 'get',
      list: 'list',
      create: 'create',
      replace: 'update',
      patch: 'patch',
      delete: 'delete',
    };
    const need = new Set<string>();
    for (const [, verb, , status] of source.matchAll(
      /\.(get|list|create|replace|patch|delete)(Namespaced|Cluster)CustomObject(Status)?\(/g,
    )) {
      need.add(key({ group: GROUP, resource: status ? `${PLURAL}/status` : PLURAL, verb: VERBS[verb!]! }));
    }
    for (const [, verb] of source.matchAll(/\.(read|create|replace|patch|delete)NamespacedLease\(/g)) {
      need.add(key({ group: 'coordination.k8s.io', resource: 'leases', verb: VERBS[verb!]! }));
    }
    if (source.includes('new Watch(')) need.add(key({ group: GROUP, resource: PLURAL, verb: 'watch' }));
    if (source.includes('recordStackEvent('))
      for (const verb of ['get', 'create', 'update'])
        need.add(key({ group: 'events.k8s.io', resource: 'events', verb }));
    expect(need.size).toBeGreaterThanOrEqual(5);
    const have = new Set([
      ...grants(find('ClusterRole', 'stackwright-watcher')),
      ...grants(find('Role', 'stackwright-watcher-leader-election')),
    ]);
    expect([...need].filter((g) => !have.has(g)).sort()).toEqual([]);
  });

  it('gives the workflows and Grafana workers no Kubernetes access and no token', () => {
    for (const name of ['stackwright-worker-workflows', 'stackwright-worker-grafana']) {
      expect(find('ServiceAccount', name).automountServiceAccountToken).toBe(false);
      expect(bindings.filter((b) => (b.subjects as Obj[]).some((s) => s.name === name))).toEqual([]);
      const pod = podSpec(find('Deployment', name));
      expect({ sa: pod.serviceAccountName, automount: pod.automountServiceAccountToken }).toEqual({
        sa: name,
        automount: false,
      });
    }
  });
});

// ---------------------------------------------------------------------------
// Deployments

const configMap = find('ConfigMap', 'stackwright-config').data as Record<string, string>;
/** The environment a container gets: the ConfigMap, then its literal env entries. */
function containerEnv(c: Obj): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? [])
    if (from.configMapRef?.name === 'stackwright-config') Object.assign(env, configMap);
  for (const e of c.env ?? []) if (typeof e.value === 'string') env[e.name as string] = e.value;
  return env;
}

describe('Deployments', () => {
  it('all-in-one: the watcher and one worker per role; a fleet: the agent and the control plane', () => {
    const inBase = installed.filter((d) => d.obj.kind === 'Deployment' && d.file.startsWith('base/'));
    expect(inBase.map((d) => d.obj.metadata.name).sort()).toEqual([
      'stackwright-watcher',
      'stackwright-worker-grafana',
      'stackwright-worker-kubernetes',
      'stackwright-worker-workflows',
    ]);
    expect(podSpec(find('Deployment', 'stackwright-agent')).containers[0].command).toEqual([
      'node',
      'dist/cli/cli.js',
      'agent',
    ]);
    expect(podSpec(find('Deployment', 'stackwright-control-plane')).containers[0].command).toEqual([
      'node',
      ...WORKFLOWS_NODE_FLAGS,
      'dist/cli/cli.js',
      'control-plane',
    ]);
  });

  it("the agent: this cluster's token, the watcher settings, no Grafana anything", () => {
    const d = find('Deployment', 'stackwright-agent');
    const pod = podSpec(d);
    const c = pod.containers[0] as Obj;
    expect(pod.serviceAccountName).toBe('stackwright-agent');
    expect(pod.automountServiceAccountToken).not.toBe(false);
    expect(JSON.stringify(pod)).not.toMatch(/grafana/i);
    const env = { ...containerEnv(c), POD_NAME: 'agent-0', POD_NAMESPACE: NAMESPACE };
    expect(loadWatcherConfig(env).STACKWRIGHT_CLUSTER).toBe(configMap.STACKWRIGHT_CLUSTER);
    const cfg = loadWorkerConfig({ ...env, STACKWRIGHT_ROLES: 'kubernetes' });
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(cfg.STACKWRIGHT_SHUTDOWN_GRACE_SECONDS + 5);
    expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
  });

  it('the control plane: the Grafana Secret, no Kubernetes token, the workflow bundle', () => {
    const d = find('Deployment', 'stackwright-control-plane');
    const pod = podSpec(d);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes).toContainEqual(
      expect.objectContaining({ secret: expect.objectContaining({ secretName: 'stackwright-grafana' }) }),
    );
    const env = containerEnv(pod.containers[0] as Obj);
    expect(env.KUBECONFIG).toBeUndefined();
    expect(env.STACKWRIGHT_GRAFANA_CONFIG).toBe('/etc/stackwright/grafana/grafana.yaml');
    expect(loadWorkerConfig({ ...env, STACKWRIGHT_ROLES: 'workflows,grafana' }).STACKWRIGHT_ROLES).toEqual([
      'workflows',
      'grafana',
    ]);
  });

  it.each(deployments.map((d): [string, Obj] => [d.metadata.name as string, d]))(
    '%s runs hardened',
    (_name, d) => {
      const pod = podSpec(d);
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels as Obj);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.enableServiceLinks).toBe(false);
      for (const c of pod.containers as Obj[]) {
        expect(c.image).toBe('stackwright');
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.resources).toMatchObject({
          requests: { cpu: expect.any(String), memory: expect.any(String) },
          limits: { memory: expect.any(String) },
        });
        expect(c.resources.limits.cpu).toBeUndefined(); // no CPU throttling of pollers and lease renewals
        // The metrics port is announced for scraping.
        const annotations = d.spec.template.metadata.annotations as Record<string, string>;
        expect(annotations['prometheus.io/scrape']).toBe('true');
        expect((c.ports as Obj[]).map((p) => String(p.containerPort))).toContain(
          annotations['prometheus.io/port'],
        );
        // Temporal credentials: optional Secrets, so a plain Temporal needs none.
        expect(c.envFrom).toEqual([
          { configMapRef: { name: 'stackwright-config' } },
          { secretRef: { name: 'stackwright-temporal', optional: true } },
        ]);
      }
      const tls = (pod.volumes as Obj[]).find((v) => v.name === 'temporal-tls');
      expect(tls?.secret).toMatchObject({ secretName: 'stackwright-temporal-tls', optional: true });
    },
  );

  it.each([
    ['stackwright-worker-workflows', ['workflows']],
    ['stackwright-worker-kubernetes', ['kubernetes']],
    ['stackwright-worker-grafana', ['grafana']],
  ])('%s: its environment passes the worker config parser', (name, roles) => {
    const d = find('Deployment', name);
    const c = podSpec(d).containers[0] as Obj;
    // The workflows worker with the flags the bench starts it with (worker/process-flags.ts).
    expect(c.command).toEqual([
      'node',
      ...(name.endsWith('workflows') ? WORKFLOWS_NODE_FLAGS : []),
      'dist/worker/run.js',
    ]);
    const cfg = loadWorkerConfig(containerEnv(c));
    expect(cfg.STACKWRIGHT_ROLES).toEqual(roles);
    expect(cfg.STACKWRIGHT_METRICS_ADDRESS).toBe(
      `0.0.0.0:${d.spec.template.metadata.annotations['prometheus.io/port']}`,
    );
    // The pod's grace period outlasts the worker's own drain time.
    expect(podSpec(d).terminationGracePeriodSeconds).toBeGreaterThan(
      cfg.STACKWRIGHT_SHUTDOWN_GRACE_SECONDS + 5,
    );
    expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
  });

  it('the workflows worker loads the bundle the Dockerfile builds', () => {
    const env = containerEnv(
      podSpec(find('Deployment', 'stackwright-worker-workflows')).containers[0] as Obj,
    );
    const dockerfile = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    expect(env.STACKWRIGHT_WORKFLOW_BUNDLE).toBe('/app/dist/workflow-bundle.js');
    expect(dockerfile).toContain('node dist/scripts/build-workflow-bundle.js dist/workflow-bundle.js');
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
  });

  it('the Kubernetes worker acts on the cluster named in the ConfigMap', () => {
    const c = podSpec(find('Deployment', 'stackwright-worker-kubernetes')).containers[0] as Obj;
    expect(loadWorkerConfig(containerEnv(c)).STACKWRIGHT_CLUSTER).toBe(configMap.STACKWRIGHT_CLUSTER);
    expect(configMap.TEMPORAL_ADDRESS).toMatch(/^[^\s:]+:\d+$/);
  });

  it('the Grafana worker reads its config and tokens from the mounted Secret', () => {
    const pod = podSpec(find('Deployment', 'stackwright-worker-grafana'));
    const c = pod.containers[0] as Obj;
    const mount = (c.volumeMounts as Obj[]).find((m) => m.name === 'grafana');
    const volume = (pod.volumes as Obj[]).find((v) => v.name === 'grafana');
    expect(mount).toMatchObject({ mountPath: '/etc/stackwright/grafana', readOnly: true });
    expect(mount?.subPath).toBeUndefined(); // subPath mounts never see a rotated token
    expect(volume?.secret?.secretName).toBe('stackwright-grafana');

    const secret = find('Secret', 'stackwright-grafana');
    const configFile = containerEnv(c).STACKWRIGHT_GRAFANA_CONFIG ?? '';
    expect(path.dirname(configFile)).toBe(mount?.mountPath);
    const config = grafanaConfigSchema.parse(
      YAML.parse(secret.stringData[path.basename(configFile)] as string),
    );
    for (const instance of config.instances) {
      expect(instance.url).toContain('example.com'); // a placeholder, clearly
      if (!('tokenFile' in instance.auth)) throw new Error('the example uses token files');
      expect(path.dirname(instance.auth.tokenFile)).toBe(mount?.mountPath);
      expect(secret.stringData[path.basename(instance.auth.tokenFile)]).toMatch(/CHANGE-ME/);
    }
  });

  it('the watcher runs two replicas with health probes on its HTTP port', () => {
    const d = find('Deployment', 'stackwright-watcher');
    const c = podSpec(d).containers[0] as Obj;
    expect(d.spec.replicas).toBe(2);
    expect(podSpec(d).serviceAccountName).toBe('stackwright-watcher');
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    const http = (c.ports as Obj[]).find((p) => p.name === 'http');
    expect(containerEnv(c).STACKWRIGHT_HTTP_ADDRESS).toBe(`0.0.0.0:${http?.containerPort}`);
    expect(c.command).toEqual(['node', 'dist/watcher/run.js']);
    const fieldRefs = Object.fromEntries(
      (c.env as Obj[]).filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom.fieldRef.fieldPath]),
    );
    expect(fieldRefs).toEqual({ POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace' });
    // What the downward API fills in, then the watcher's own config parser.
    const cfg = loadWatcherConfig({
      ...containerEnv(c),
      POD_NAME: 'stackwright-watcher-0',
      POD_NAMESPACE: NAMESPACE,
    });
    expect(cfg).toMatchObject({
      STACKWRIGHT_LEADER_ELECTION: 'true',
      STACKWRIGHT_CLUSTER: configMap.STACKWRIGHT_CLUSTER,
      STACKWRIGHT_HTTP_ADDRESS: `0.0.0.0:${http?.containerPort}`,
    });
    expect(cfg.STACKWRIGHT_LEASE_NAMESPACE ?? cfg.POD_NAMESPACE).toBe(NAMESPACE);
  });
});

describe('examples/', () => {
  it('has only Secrets, every value a clearly marked placeholder', () => {
    const examples = docs.filter((d) => d.file.startsWith('examples/'));
    expect(examples.map((d) => d.obj.metadata.name).sort()).toEqual([
      'stackwright-grafana',
      'stackwright-temporal',
      'stackwright-temporal-tls',
    ]);
    for (const { obj } of examples) {
      expect(obj.kind).toBe('Secret');
      expect(obj.data).toBeUndefined();
      for (const [k, v] of Object.entries(obj.stringData as Record<string, string>)) {
        expect({ k, v }).toEqual({ k, v: expect.stringContaining('CHANGE-ME') });
      }
    }
  });
});

describe('Dockerfile', () => {
  const text = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
  const stages = [...text.matchAll(/^FROM (\S+)(?: AS (\w+))?$/gm)];

  it('builds in stages on a glibc Node image and runs as the pods’ non-root user', () => {
    expect(text).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(stages.map((s) => s[1])).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}', '${NODE_IMAGE}']);
    expect(stages.map((s) => s[2])).toEqual(['build', 'deps', undefined]);
    expect(text).not.toMatch(/^(FROM|ARG) .*alpine/m); // musl: the native core-bridge would not load
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(text).toMatch(/^RUN npm run build/m);
    const runtime = text.slice(stages[2]!.index);
    expect(runtime).toMatch(/^USER 10001:10001$/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "dist\/cli\/cli\.js"\]$/m);
    expect(runtime).not.toMatch(/^RUN /m); // nothing runs as root in the final stage
    // Every process gets IMAGE_ENV (the bench sets the same, worker/process-flags.ts).
    const envBlock = /^ENV ((?:.*\\\n)*.*)$/m.exec(runtime)?.[1] ?? '';
    const imageEnv = Object.fromEntries([...envBlock.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    expect(imageEnv).toMatchObject(IMAGE_ENV);
  });

  it('.dockerignore keeps local state and dependencies out of the build context', () => {
    const ignored = fs.readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', 'dist', '.stackwright', '.git']) expect(ignored).toContain(p);
    // What the build needs must not be ignored.
    for (const p of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'workflows',
    ])
      expect(ignored).not.toContain(p);
  });
});
