// Bench: one stack in one cluster alone, versus one stack in each of two
// clusters at once, through the production split (one control plane, one agent
// per cluster). Needs `stackwright dev up --clusters 2`.
//   npx tsx bench/fleet-parallel.ts [rounds]
// Prints the time from CR creation to Ready for each case and the ratio.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { agentEnv, controlPlaneEnv, spawnStackwright, stopFleet, type FleetProcess } from '../cli/fleet.js';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../crd/constants.js';
import { clusterDef } from '../devstack/clusters.js';
import { readEnvFile } from '../devstack/env-file.js';
import { envFilePath, statePath } from '../devstack/paths.js';

type Cluster = 'local' | 'east';
const rounds = Number(process.argv[2] ?? 3);
const id = randomUUID().slice(0, 6);
const ns = `bench-${id}`;
const shell: Record<string, string | undefined> = {
  ...readEnvFile(envFilePath()),
  ...process.env,
  STACKWRIGHT_STACK_SELECTOR: `stackwright.dev/bench=${id}`,
  STACKWRIGHT_WATCH_NAMESPACES: ns,
  LOG_LEVEL: 'warn',
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function api(c: Cluster) {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(clusterDef(c).kubeconfig);
  return { custom: kc.makeApiClient(k8s.CustomObjectsApi), core: kc.makeApiClient(k8s.CoreV1Api) };
}
const apis = { local: api('local'), east: api('east') };
const at = { group: GROUP, version: VERSION, namespace: ns, plural: PLURAL };

async function provision(c: Cluster, name: string): Promise<number> {
  const t0 = Date.now();
  await apis[c].custom.createNamespacedCustomObject({
    ...at,
    body: {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: { name, labels: { 'stackwright.dev/bench': id } },
      spec: {
        prometheus: { replicas: 1, retention: '1d' },
        exposure: { url: shell.PROMETHEUS_URL ?? '' },
        grafana: { instance: 'default' },
      },
    },
  });
  for (;;) {
    const s = (await apis[c].custom.getNamespacedCustomObject({ ...at, name })) as {
      status?: { phase?: string };
    };
    if (s.status?.phase === 'Ready') return Date.now() - t0;
    if (s.status?.phase === 'Failed') throw new Error(`${c}/${name} failed`);
    await sleep(200);
  }
}

async function ready(p: FleetProcess): Promise<void> {
  while (!fs.existsSync(p.log) || !fs.readFileSync(p.log, 'utf8').includes('stackwright worker running')) {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited; see ${p.log}`);
    await sleep(250);
  }
}

const procs = [
  spawnStackwright(
    'control-plane',
    'control-plane',
    controlPlaneEnv(shell),
    statePath('logs', `bench-${id}-cp.log`),
  ),
  ...(['local', 'east'] as const).map((c) =>
    spawnStackwright(
      `agent ${c}`,
      'agent',
      agentEnv(shell, readEnvFile(clusterDef(c).envFile)),
      statePath('logs', `bench-${id}-${c}.log`),
    ),
  ),
];
try {
  for (const c of ['local', 'east'] as const)
    await apis[c].core.createNamespace({ body: { metadata: { name: ns } } });
  await Promise.all(procs.map(ready));
  await provision('local', 'warmup'); // first workflow task, bundle caches, informers
  const alone: number[] = [];
  const together: number[] = [];
  for (let i = 0; i < rounds; i++) {
    alone.push(await provision('local', `alone-${i}`));
    const both = await Promise.all([provision('local', `pair-${i}`), provision('east', `pair-${i}`)]);
    together.push(Math.max(...both));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  process.stdout.write(
    `one stack alone, ms:            ${alone.join(' ')} (median ${median(alone)})\n` +
      `one per cluster at once, ms:    ${together.join(' ')} (median ${median(together)}; the slower of the two)\n` +
      `ratio (median together/alone): ${(median(together) / median(alone)).toFixed(2)}\n`,
  );
} finally {
  for (const c of ['local', 'east'] as const) {
    const items = (
      (await apis[c].custom.listNamespacedCustomObject(at)) as { items: { metadata: { name: string } }[] }
    ).items;
    for (const s of items)
      await apis[c].custom.deleteNamespacedCustomObject({ ...at, name: s.metadata.name });
  }
  for (let i = 0; i < 120; i++) {
    const left = await Promise.all(
      (['local', 'east'] as const).map(
        async (c) =>
          ((await apis[c].custom.listNamespacedCustomObject(at)) as { items: unknown[] }).items.length,
      ),
    );
    if (left.every((n) => n === 0)) break;
    await sleep(500);
  }
  await stopFleet(procs, 10_000);
  for (const c of ['local', 'east'] as const)
    await apis[c].core.deleteNamespace({ name: ns }).catch(() => undefined);
}
