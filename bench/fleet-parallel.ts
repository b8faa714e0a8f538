// Bench: one stack in one cluster alone, versus one stack in each of two
// clusters at once, through the production split (one control plane, one agent
// per cluster). Needs `stackwright dev up --clusters 2`.
//   npx tsx bench/fleet-parallel.ts [rounds]
// Prints the time from CR creation to Ready for each case (min / median / max)
// and the ratio of the medians, and writes them to
// bench/results/<date>-fleet-parallel.json. Its processes use a Temporal
// namespace of their own, so no other worker on the stack takes their tasks.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Connection } from '@temporalio/client';
import { agentEnv, controlPlaneEnv, spawnStackwright, stopFleet, type FleetProcess } from '../cli/fleet.js';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../crd/constants.js';
import { clusterDef } from '../devstack/clusters.js';
import { readEnvFile } from '../devstack/env-file.js';
import { envFilePath, repoRoot, statePath } from '../devstack/paths.js';
import { ensureTemporalNamespace } from '../test/support/temporal-namespace.js';
import { ratio, seconds, summarize } from './lib/stats.js';

type Cluster = 'local' | 'east';
const rounds = Number(process.argv[2] ?? 3);
const id = randomUUID().slice(0, 6);
const ns = `bench-${id}`;
const TEMPORAL_NS = 'stackwright-bench-fleet';
const shell: Record<string, string | undefined> = {
  ...readEnvFile(envFilePath()),
  ...process.env,
  TEMPORAL_NAMESPACE: TEMPORAL_NS,
  STACKWRIGHT_STACK_SELECTOR: `stackwright.dev/bench=${id}`,
  STACKWRIGHT_WATCH_NAMESPACES: ns,
  // info: ready() waits for the "stackwright worker running" line.
  LOG_LEVEL: 'info',
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

const connection = await Connection.connect({ address: shell.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
await ensureTemporalNamespace(connection, TEMPORAL_NS);
await connection.close();

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
  // First workflow task, bundle caches, each agent's informer and first activity.
  await Promise.all([provision('local', 'warmup'), provision('east', 'warmup')]);
  const alone: number[] = [];
  const together: number[] = [];
  for (let i = 0; i < rounds; i++) {
    alone.push(await provision('local', `alone-${i}`));
    const both = await Promise.all([provision('local', `pair-${i}`), provision('east', `pair-${i}`)]);
    together.push(Math.max(...both));
  }
  const a = summarize(alone);
  const t = summarize(together);
  const line = (s: typeof a) =>
    `min ${seconds(s.min)} / median ${seconds(s.median)} / max ${seconds(s.max)} s`;
  const result = {
    figure: 'fleet-parallel',
    date: new Date().toISOString(),
    machine: { cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), load1: os.loadavg()[0] },
    rounds,
    aloneMs: a,
    togetherMs: { ...t, note: 'the slower of the two stacks, one in local and one in east, created at once' },
    ratioMedians: ratio(t, a),
  };
  process.stdout.write(
    `one stack alone (local):              ${line(a)}  [${alone.join(' ')} ms]\n` +
      `one per cluster at once (slower one): ${line(t)}  [${together.join(' ')} ms]\n` +
      `ratio (median together / alone):      ${result.ratioMedians}\n`,
  );
  const file = path.join(
    repoRoot,
    'bench',
    'results',
    `${result.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}-fleet-parallel.json`,
  );
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`written: ${path.relative(repoRoot, file)}\n`);
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
