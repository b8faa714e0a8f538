import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../devstack/paths.js';
import { chartCrdFile, crdFile } from '../../scripts/gen-crd.js';
import { requireEnv } from '../support/env.js';
import { WORKFLOWS_NODE_FLAGS } from '../../worker/process-flags.js';

// The Helm chart, with helm built from its Go module (tools/helm): lint, render
// each mode, and the rendered manifests applied with a server-side dry run to
// the local apiserver, which validates them against its real schemas and the CRD.
const chart = path.join(repoRoot, 'deploy', 'helm', 'stackwright');
const MODES = ['all-in-one', 'control-plane', 'agent'] as const;
type Mode = (typeof MODES)[number];
type Obj = {
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
} & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const run = (bin: string, args: string[], stdin?: string) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(bin, args, { timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
const helm = (...args: string[]) => run(requireEnv('HELM'), args);
const kubectl = (args: string[], stdin?: string) =>
  run(requireEnv('KUBECTL'), ['--kubeconfig', requireEnv('KUBECONFIG'), ...args], stdin);

const ns = `sw-helm-${process.pid}`;
const sets: Record<Mode, string[]> = {
  'all-in-one': ['--set', 'mode=all-in-one'],
  'control-plane': ['--set', 'mode=control-plane'],
  agent: ['--set', 'mode=agent', '--set', 'cluster=east', '--set', 'grafana.secretName='],
};
async function render(mode: Mode, ...extra: string[]): Promise<{ text: string; docs: Obj[] }> {
  const r = await helm(
    'template',
    'stackwright',
    chart,
    '--namespace',
    ns,
    '--include-crds',
    ...sets[mode],
    ...extra,
  );
  if (r.code !== 0) throw new Error(`helm template (${mode}) failed: ${r.stderr}`);
  const docs = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => d !== null);
  return { text: r.stdout, docs };
}
const find = (docs: Obj[], kind: string) => docs.filter((d) => d.kind === kind);
const container = (docs: Obj[]) => find(docs, 'Deployment')[0]!.spec.template.spec.containers[0];
const config = (docs: Obj[]) => find(docs, 'ConfigMap')[0]!.data as Record<string, string>;

/** Every rule of the kustomize base's ClusterRoles, as group/resource:verb. */
function grants(roles: Obj[]): string[] {
  const out = new Set<string>();
  for (const role of roles)
    for (const r of role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[])
      for (const g of r.apiGroups)
        for (const res of r.resources) for (const v of r.verbs) out.add(`${g}/${res}:${v}`);
  return [...out].sort();
}
function kustomizeClusterRoles(): Obj[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== 'helm') walk(p);
      else if (/^rbac-.*\.yaml$/.test(e.name)) files.push(p);
    }
  };
  walk(path.join(repoRoot, 'deploy'));
  return files.flatMap((f) =>
    parseAllDocuments(fs.readFileSync(f, 'utf8'))
      .map((d) => d.toJS() as Obj)
      .filter((d) => d?.kind === 'ClusterRole'),
  );
}

let rendered: Record<Mode, Obj[]>;
beforeAll(async () => {
  rendered = {} as Record<Mode, Obj[]>;
  for (const m of MODES) rendered[m] = (await render(m)).docs;
  const r = await kubectl(['create', 'namespace', ns]);
  if (r.code !== 0) throw new Error(r.stderr);
}, 180_000);
afterAll(async () => {
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('Helm chart deploy/helm/stackwright', () => {
  it('helm lint passes for every mode', async () => {
    for (const m of MODES) {
      const r = await helm('lint', '--strict', chart, ...sets[m]);
      expect({ mode: m, code: r.code, out: r.code ? r.stdout + r.stderr : '' }).toEqual({
        mode: m,
        code: 0,
        out: '',
      });
    }
  }, 120_000);

  it('ships the CRD of deploy/crd/ unchanged', () => {
    expect(fs.readFileSync(chartCrdFile, 'utf8')).toBe(fs.readFileSync(crdFile, 'utf8'));
    for (const m of MODES) expect(find(rendered[m], 'CustomResourceDefinition')).toHaveLength(1);
  });

  it('all-in-one: `stackwright operator`, every role, the kustomize base RBAC, Grafana from its Secret', () => {
    const docs = rendered['all-in-one'];
    expect(container(docs).command).toEqual(['node', ...WORKFLOWS_NODE_FLAGS, 'dist/cli/cli.js', 'operator']);
    expect(grants(find(docs, 'ClusterRole'))).toEqual(grants(kustomizeClusterRoles()));
    expect(config(docs)).toMatchObject({
      STACKWRIGHT_CLUSTER: 'local',
      STACKWRIGHT_GRAFANA_CONFIG: '/etc/stackwright/grafana/grafana.yaml',
      STACKWRIGHT_WORKFLOW_BUNDLE: '/app/dist/workflow-bundle.js',
      STACKWRIGHT_LEADER_ELECTION: 'true',
    });
    const volumes = find(docs, 'Deployment')[0]!.spec.template.spec.volumes as {
      name: string;
      secret?: object;
    }[];
    expect(volumes.find((v) => v.name === 'grafana')?.secret).toMatchObject({
      secretName: 'stackwright-grafana',
    });
    expect(find(docs, 'Role').map((r) => r.metadata.name)).toEqual(['stackwright-leader-election']);
  });

  it('control-plane: `stackwright control-plane`, Grafana tokens, no Kubernetes access at all', () => {
    const docs = rendered['control-plane'];
    expect(container(docs).command).toEqual([
      'node',
      ...WORKFLOWS_NODE_FLAGS,
      'dist/cli/cli.js',
      'control-plane',
    ]);
    for (const k of ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'])
      expect(find(docs, k)).toEqual([]);
    expect(find(docs, 'ServiceAccount')[0]!.automountServiceAccountToken).toBe(false);
    expect(find(docs, 'Deployment')[0]!.spec.template.spec.automountServiceAccountToken).toBe(false);
    const cfg = config(docs);
    expect(cfg.STACKWRIGHT_GRAFANA_CONFIG).toBeDefined();
    expect(Object.keys(cfg).filter((k) => /CLUSTER|KUBECONFIG|WATCH|LEADER|LEASE/.test(k))).toEqual([]);
  });

  it('agent: `stackwright agent` for exactly one cluster, watcher + Kubernetes worker RBAC, no Grafana settings', () => {
    const docs = rendered.agent;
    expect(container(docs).command).toEqual(['node', 'dist/cli/cli.js', 'agent']);
    expect(config(docs).STACKWRIGHT_CLUSTER).toBe('east');
    expect(grants(find(docs, 'ClusterRole'))).toEqual(grants(kustomizeClusterRoles()));
    const text = JSON.stringify(docs.filter((d) => d.kind !== 'CustomResourceDefinition'));
    expect(text).not.toMatch(/grafana/i);
  });

  it('values: image, replicas, resources, Temporal TLS and API key from Secrets, watch scope, selector, ServiceMonitor', async () => {
    const { docs } = await render(
      'agent',
      ...['--set', 'image.repository=reg.example/sw', '--set', 'image.tag=1.2.3', '--set', 'replicas=3'],
      ...['--set', 'resources.limits.memory=2Gi', '--set', 'temporal.tls.secretName=temporal-mtls'],
      ...['--set', 'temporal.tls.serverCA=true', '--set', 'temporal.apiKey.secretName=temporal-key'],
      ...['--set', 'watch.namespaces={team-a,team-b}', '--set', 'watch.labelSelector=tier=prod'],
      ...['--set', 'leaderElection.enabled=false', '--set', 'metrics.serviceMonitor.enabled=true'],
    );
    const dep = find(docs, 'Deployment')[0]!;
    expect(dep.spec.replicas).toBe(3);
    const c = container(docs);
    expect(c.image).toBe('reg.example/sw:1.2.3');
    expect(c.resources.limits.memory).toBe('2Gi');
    expect(c.env).toContainEqual({
      name: 'TEMPORAL_API_KEY',
      valueFrom: { secretKeyRef: { name: 'temporal-key', key: 'TEMPORAL_API_KEY' } },
    });
    expect(config(docs)).toMatchObject({
      TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/stackwright/temporal-tls/tls.crt',
      TEMPORAL_TLS_CLIENT_KEY_PATH: '/etc/stackwright/temporal-tls/tls.key',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/etc/stackwright/temporal-tls/ca.crt',
      STACKWRIGHT_WATCH_NAMESPACES: 'team-a,team-b',
      STACKWRIGHT_STACK_SELECTOR: 'tier=prod',
      STACKWRIGHT_LEADER_ELECTION: 'false',
    });
    // Only the watched namespaces: RoleBindings there instead of ClusterRoleBindings; no lease Role.
    expect(find(docs, 'ClusterRoleBinding')).toEqual([]);
    expect(
      find(docs, 'RoleBinding')
        .map((b) => `${b.metadata.namespace}/${b.metadata.name}`)
        .sort(),
    ).toEqual([
      'team-a/stackwright-watcher',
      'team-a/stackwright-worker-kubernetes',
      'team-b/stackwright-watcher',
      'team-b/stackwright-worker-kubernetes',
    ]);
    expect(find(docs, 'ServiceMonitor')[0]!.spec.endpoints.map((e: { port: string }) => e.port)).toEqual([
      'http',
      'metrics',
    ]);
  });

  it('bad values fail the render with the reason', async () => {
    const bad = await helm('template', 'x', chart, '--set', 'mode=everything');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/mode/);
    const noCluster = await helm('template', 'x', chart, '--set', 'mode=agent', '--set', 'cluster=');
    expect(noCluster.stderr).toMatch(/cluster is required/);
  });

  it.each(MODES)(
    '%s: the rendered manifests pass a server-side dry run on the local apiserver',
    async (mode) => {
      const { text } = await render(mode);
      const r = await kubectl(
        [
          'apply',
          '--dry-run=server',
          '--server-side',
          '--force-conflicts',
          '--field-manager=helm-test',
          '-f',
          '-',
        ],
        text,
      );
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(/deployment\.apps\/stackwright serverside-applied \(server dry run\)/);
    },
  );
});
