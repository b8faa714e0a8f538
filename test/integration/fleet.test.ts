import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import {
  agentEnv,
  controlPlaneEnv,
  spawnStackwright,
  stopFleet,
  type FleetProcess,
} from '../../cli/fleet.js';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../crd/constants.js';
import { clusterDef } from '../../devstack/clusters.js';
import { readEnvFile } from '../../devstack/env-file.js';
import { statePath } from '../../devstack/paths.js';
import { stopComponent } from '../../devstack/proc.js';
import { objectNames, stackWorkflowId } from '../../domain/stack-ref.js';
import { listFleet } from '../../client/fleet.js';
import { retrySignal, statusQuery, type StackView } from '../../workflows/definitions.js';
import { runCli } from '../support/cli.js';
import { requireEnv } from '../support/env.js';
import { grafanaApi, TEST_OPTIONS } from '../support/saga-harness.js';
import { ensureTemporalNamespace } from '../support/temporal-namespace.js';
import { TEST_RUN_LABEL } from '../support/test-run.js';
import { until as pollUntil } from '../support/until.js';

// Two real clusters (the local stack's `local` and `east`: two apiservers with
// their own CAs and data), one Temporal, one Grafana; the processes split as in
// production: a control plane with the Grafana token and no kubeconfig, one
// agent per cluster with that cluster's kubeconfig and no Grafana settings.
// The suite has a Temporal namespace of its own, so its processes take no other
// suite's tasks, and labels its stacks, so no other watcher adopts them.

jest.setTimeout(300_000);
const TEMPORAL_NS = 'stackwright-fleet-it';
const id = randomUUID().slice(0, 6);
const ns = `fleet-${id}`;
type Cluster = 'local' | 'east';
const CLUSTERS: Cluster[] = ['local', 'east'];
const env = { TEMPORAL_NAMESPACE: TEMPORAL_NS };

interface RawStack {
  metadata: { uid: string; generation: number };
  status?: { phase?: string; observedGeneration?: number; datasource?: { uid?: string; name?: string } };
}

// Two clusters on a busy machine: waits are longer than the suites' usual minute.
const until = <T>(what: string, f: () => Promise<T | undefined>, ms = 120_000) => pollUntil(what, f, ms);
function clusterApi(name: Cluster) {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(clusterDef(name).kubeconfig);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const at = { group: GROUP, version: VERSION, namespace: ns, plural: PLURAL };
  return {
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    create: (stack: string, spec: object) =>
      custom.createNamespacedCustomObject({
        ...at,
        body: {
          apiVersion: API_VERSION,
          kind: KIND,
          metadata: { name: stack, labels: { [TEST_RUN_LABEL]: ns } },
          spec,
        },
      }) as Promise<RawStack>,
    get: (stack: string) => custom.getNamespacedCustomObject({ ...at, name: stack }) as Promise<RawStack>,
    patchSpec: (stack: string, spec: object) =>
      custom.patchNamespacedCustomObject(
        { ...at, name: stack, body: { spec } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ) as Promise<RawStack>,
    list: async () =>
      ((await custom.listNamespacedCustomObject(at)) as { items: { metadata: { name: string } }[] }).items,
    delete: (stack: string) => custom.deleteNamespacedCustomObject({ ...at, name: stack }),
  };
}
// Made on first use: east's kubeconfig exists only once beforeAll has brought east up.
const apis: Partial<Record<Cluster, ReturnType<typeof clusterApi>>> = {};
const api = {
  get local() {
    return (apis.local ??= clusterApi('local'));
  },
  get east() {
    return (apis.east ??= clusterApi('east'));
  },
};

const spec = (retention = '1d') => ({
  prometheus: { replicas: 1, retention },
  exposure: { url: requireEnv('PROMETHEUS_URL') },
  grafana: { instance: 'default' },
});

const ready = (cluster: Cluster, stack: string, generation: number) =>
  until(`${cluster}/${ns}/${stack} Ready at generation ${generation}`, async () => {
    const s = await api[cluster].get(stack);
    return s.status?.phase === 'Ready' && s.status.observedGeneration === generation ? s : undefined;
  });

let connection: Connection;
let client: Client;
const procs: Partial<Record<'control-plane' | Cluster, FleetProcess>> = {};
const shell = () => ({
  ...process.env,
  ...env,
  STACKWRIGHT_STACK_SELECTOR: `${TEST_RUN_LABEL}=${ns}`,
  STACKWRIGHT_WATCH_NAMESPACES: ns,
  // Rollouts on a shared, busy machine can take longer than the suites' usual 20 s.
  STACKWRIGHT_STACK_OPTIONS: JSON.stringify({ ...TEST_OPTIONS, readinessTimeoutMs: 120_000 }),
  LOG_LEVEL: 'info',
});
const logOf = (who: string) => statePath('logs', `fleet-it-${id}-${who.replace(/\W+/g, '-')}.log`);

function startAgent(cluster: Cluster): FleetProcess {
  const p = spawnStackwright(
    `agent ${cluster}`,
    'agent',
    agentEnv(shell(), readEnvFile(clusterDef(cluster).envFile)),
    logOf(`agent-${cluster}`),
  );
  procs[cluster] = p;
  return p;
}

/** A process is up once its worker polls (and, for an agent, its watcher has listed). */
const running = (p: FleetProcess, lines: string[]) =>
  until(`${p.name} running (log ${p.log})`, async () => {
    if (p.child.exitCode !== null)
      throw new Error(`${p.name} exited: ${fs.readFileSync(p.log, 'utf8').slice(-3000)}`);
    const log = fs.existsSync(p.log) ? fs.readFileSync(p.log, 'utf8') : '';
    return lines.every((l) => log.includes(l)) ? true : undefined;
  });
const agentUp = (p: FleetProcess) =>
  running(p, ['"msg":"stackwright worker running"', '"msg":"stackwright watcher starting"']);

const view = (cluster: Cluster, stack: string) =>
  client.workflow.getHandle(stackWorkflowId({ cluster, namespace: ns, name: stack })).query(statusQuery);

/** Datasources Grafana holds under a name: exactly one per stack, never a duplicate. */
async function datasourcesNamed(name: string): Promise<{ uid: string; name: string }[]> {
  const r = await grafanaApi('GET', '/api/datasources');
  return (r.body as { uid: string; name: string }[]).filter((d) => d.name === name);
}

function environOf(p: FleetProcess): Record<string, string> {
  const raw = fs.readFileSync(`/proc/${p.child.pid}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

beforeAll(async () => {
  // The second cluster: `dev up --clusters 2` reuses whatever already runs.
  const upRun = await runCli(['dev', 'up', '--quiet', '--clusters', '2']);
  if (upRun.code !== 0) throw new Error(`dev up --clusters 2 failed:\n${upRun.stderr}`);
  connection = await Connection.connect({ address: requireEnv('TEMPORAL_ADDRESS') });
  await ensureTemporalNamespace(connection, TEMPORAL_NS);
  client = new Client({ connection, namespace: TEMPORAL_NS });
  for (const c of CLUSTERS) await api[c].core.createNamespace({ body: { metadata: { name: ns } } });

  procs['control-plane'] = spawnStackwright(
    'control-plane',
    'control-plane',
    controlPlaneEnv(shell()),
    logOf('control-plane'),
  );
  for (const c of CLUSTERS) startAgent(c);
  await Promise.all([
    running(procs['control-plane'], ['"msg":"stackwright worker running"']),
    ...CLUSTERS.map((c) => agentUp(procs[c]!)),
  ]);
}, 300_000);

afterAll(async () => {
  // Teardown through the agents (they hold the finalizers), then stop everything.
  for (const c of CLUSTERS) {
    const a = api[c];
    for (const s of await a.list().catch(() => [])) await a.delete(s.metadata.name).catch(() => undefined);
  }
  await until(
    'stacks torn down',
    async () => {
      for (const c of CLUSTERS) if ((await api[c].list()).length > 0) return undefined;
      return true;
    },
    60_000,
  ).catch(() => undefined);
  await stopFleet(
    Object.values(procs).filter((p): p is FleetProcess => p !== undefined),
    10_000,
  );
  for (const c of CLUSTERS) await api[c].core.deleteNamespace({ name: ns }).catch(() => undefined);
  await connection?.close();
}, 120_000);

describe('a fleet of two real clusters, one control plane, one agent per cluster', () => {
  const dsName = (cluster: Cluster, stack: string) => `${cluster}/${ns}/${stack}`;

  it('the same namespace/name in both clusters: two stacks Ready, two datasources with distinct uids', async () => {
    for (const c of CLUSTERS) await api[c].create('web', spec());
    const [local, east] = await Promise.all([ready('local', 'web', 1), ready('east', 'web', 1)]);
    const uids = [local.status?.datasource?.uid, east.status?.datasource?.uid];
    expect(uids.every((u) => typeof u === 'string')).toBe(true);
    expect(new Set(uids).size).toBe(2);
    for (const c of CLUSTERS) {
      const found = await datasourcesNamed(dsName(c, 'web'));
      expect(found.map((d) => d.uid)).toEqual([c === 'local' ? uids[0] : uids[1]]);
    }
    // Each cluster's Prometheus labels its series with where they come from.
    const cm = await api.east.core.readNamespacedConfigMap({
      name: objectNames({ name: 'web' }).configMap,
      namespace: ns,
    });
    expect(cm.data?.['prometheus.yml']).toMatch(
      /external_labels:\s+cluster: east\s+namespace: fleet-\w+\s+stack: web/,
    );
  });

  it("each process holds only its role's credentials: no KUBECONFIG in the control plane, no Grafana settings in agents", () => {
    const cp = environOf(procs['control-plane']!);
    expect(Object.keys(cp).filter((k) => k === 'KUBECONFIG' || k === 'STACKWRIGHT_CLUSTER')).toEqual([]);
    expect(cp.GRAFANA_TOKEN).toBeTruthy();
    for (const c of CLUSTERS) {
      const a = environOf(procs[c]!);
      expect(
        Object.keys(a).filter((k) => k.startsWith('GRAFANA_') || k === 'STACKWRIGHT_GRAFANA_CONFIG'),
      ).toEqual([]);
      expect({ cluster: a.STACKWRIGHT_CLUSTER, kubeconfig: a.KUBECONFIG }).toEqual({
        cluster: c,
        kubeconfig: clusterDef(c).kubeconfig,
      });
    }
  });

  it("list --all-clusters shows both from Temporal; get --cluster east works without east's kubeconfig", async () => {
    const rows = await until(
      'both stacks listed',
      async () => {
        const r = await runCli(['list', '--all-clusters', '-o', 'json'], env);
        const all = (
          JSON.parse(r.stdout) as {
            cluster: string;
            namespace: string;
            name: string;
            phase: string;
            datasourceUid?: string;
          }[]
        ).filter((s) => s.namespace === ns);
        return all.length === 2 ? all : undefined;
      },
      30_000,
    );
    expect(rows.map((s) => [s.cluster, s.name, s.phase])).toEqual([
      ['east', 'web', 'Ready'],
      ['local', 'web', 'Ready'],
    ]);
    expect(rows.every((s) => s.datasourceUid?.startsWith('sw-'))).toBe(true);
    const table = await runCli(['list', '--all-clusters'], env);
    expect(table.stdout).toMatch(/^CLUSTER\s+NAMESPACE\s+NAME\s+PHASE\s+CURRENT STEP\s+DATASOURCE\s+AGE/);
    expect(table.stdout).toMatch(new RegExp(`east\\s+${ns}\\s+web\\s+Ready`));

    // This shell's kubeconfig is the local cluster's: for east, the workflow's own view.
    const east = await api.east.get('web');
    const get = await runCli(['get', '--cluster', 'east', `${ns}/web`, '-o', 'json'], env);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({
      source: 'workflow',
      phase: 'Ready',
      datasource: { uid: east.status?.datasource?.uid },
      workflowId: `stack/east/${ns}/web`,
    });
    const describe = await runCli(['describe', '--cluster', 'east', `${ns}/web`], env);
    expect(describe.stdout).toMatch(/no kubeconfig for this cluster/);
    expect(describe.stdout).toMatch(/checkDatasourceHealth\s+done/);
  });

  it('an agent killed with SIGKILL: the other cluster goes on; its stacks wait, then converge with the spec changed meanwhile', async () => {
    procs.east!.child.kill('SIGKILL');
    await procs.east!.exited;

    // The local cluster is not held up.
    await api.local.create('api', spec());
    await ready('local', 'api', 1);

    // East's stack is asked to provision again: it waits for east's agent, neither failing nor undoing.
    const before = new Date().toISOString();
    await client.workflow
      .getHandle(stackWorkflowId({ cluster: 'east', namespace: ns, name: 'web' }))
      .signal(retrySignal);
    const waiting = await until(
      'east web waiting for its agent',
      async () => {
        const v = await view('east', 'web');
        return v.steps.some((s) => /cluster east's agent is not answering/.test(s.message)) ? v : undefined;
      },
      60_000,
    );
    expect(waiting.phase).toBe('Provisioning');
    const since = (v: StackView) => v.steps.filter((s) => s.at >= before);
    expect(since(waiting).filter((s) => s.state === 'failed' || s.state.startsWith('compensat'))).toEqual([]);
    // The fleet view (what `list --all-clusters` prints) says why.
    expect(
      (await listFleet(client)).find((s) => s.cluster === 'east' && s.namespace === ns && s.name === 'web')
        ?.currentStepMessage,
    ).toMatch(/agent is not answering/);

    // A spec change while the agent is down reaches the stack when it is back.
    const changed = await api.east.patchSpec('web', { prometheus: { retention: '3d' } });
    expect(changed.metadata.generation).toBe(2);
    await agentUp(startAgent('east'));
    await ready('east', 'web', 2);
    const after = await view('east', 'web');
    expect(since(after).filter((s) => s.state === 'failed' || s.state.startsWith('compensat'))).toEqual([]);

    // Converged without duplicates: one StatefulSet, with the new retention; one datasource per stack.
    const sts = await api.east.apps.listNamespacedStatefulSet({ namespace: ns });
    expect(sts.items.map((s) => s.metadata?.name)).toEqual([objectNames({ name: 'web' }).statefulSet]);
    expect(JSON.stringify(sts.items[0]?.spec?.template.spec?.containers)).toContain('retention.time=3d');
    for (const [c, s] of [
      ['east', 'web'],
      ['local', 'web'],
      ['local', 'api'],
    ] as const)
      expect(await datasourcesNamed(dsName(c, s))).toHaveLength(1);
  });

  it("one cluster's apiserver down while its agent runs: its stacks wait, the other cluster's do not, and it converges", async () => {
    await stopComponent('east/kube-apiserver');
    try {
      await client.workflow
        .getHandle(stackWorkflowId({ cluster: 'east', namespace: ns, name: 'web' }))
        .signal(retrySignal);
      await api.local.patchSpec('api', { prometheus: { retention: '2d' } });
      await ready('local', 'api', 2);
      const v = await until(
        'east web waiting for its apiserver',
        async () => {
          const w = await view('east', 'web');
          return w.steps.some((s) => /cluster east's apiserver is not answering/.test(s.message))
            ? w
            : undefined;
        },
        90_000,
      );
      expect(v.phase).toBe('Provisioning');
    } finally {
      const r = await runCli(['dev', 'up', '--quiet', '--clusters', '2']);
      expect(r.code).toBe(0);
    }
    await until('east web Ready again', async () => {
      const w = await view('east', 'web');
      return w.phase === 'Ready' ? w : undefined;
    });
    expect((await api.east.get('web')).status?.phase).toBe('Ready');
  });
});

describe('fleet commands: bad input', () => {
  it('agent without a cluster name, control-plane with other roles, conflicting flags: exit 2 with the reason', async () => {
    const agent = await runCli(['agent'], { ...env, STACKWRIGHT_CLUSTER: '' });
    expect({ code: agent.code, err: agent.stderr }).toEqual({
      code: 2,
      err: expect.stringContaining('STACKWRIGHT_CLUSTER is not set'),
    });
    const cp = await runCli(['control-plane'], { ...env, STACKWRIGHT_ROLES: 'kubernetes' });
    expect({ code: cp.code, err: cp.stderr }).toEqual({
      code: 2,
      err: expect.stringContaining("'control-plane' always runs grafana,workflows"),
    });
    expect((await runCli(['list', '--all-clusters', '--cluster', 'east'], env)).code).toBe(2);
  });
});
