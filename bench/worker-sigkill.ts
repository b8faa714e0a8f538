// How long a saga stalls when the worker running one of its activities is
// SIGKILLed mid-activity and restarted at once. Two worker processes against the
// local stack (`dev up` first): one for workflows and Grafana that stays up, one
// for the Kubernetes role, killed the moment a Kubernetes activity of the
// provision saga has started, and started again right away.
//
//   npx tsx bench/worker-sigkill.ts [--runs 3] [--source <checkout>]
//
// --source runs both workers from another checkout (e.g. a worktree of an older
// commit), to compare before and after a change. Prints one line per run and the
// median: kill → Ready, and kill → the killed activity's next attempt started.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { applySpec } from '../client/stack-client.js';
import { repoRoot } from '../devstack/paths.js';
import { stackWorkflowId, type StackRef } from '../domain/stack-ref.js';
import { statusQuery } from '../workflows/definitions.js';
import { parseMonitoringStackSpec } from '../crd/spec.js';
import '../test/support/load-env.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const runs = Number(arg('runs', '3'));
const source = path.resolve(arg('source', repoRoot));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const env = process.env as Record<string, string>;

function worker(cluster: string, roles: string, log: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(source, 'cli', 'cli.ts'), 'worker'], {
    cwd: source,
    env: { ...env, STACKWRIGHT_CLUSTER: cluster, STACKWRIGHT_ROLES: roles, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${log}] ${d.toString()}`);
  });
  return child;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

async function once(client: Client, core: k8s.CoreV1Api, run: number) {
  const cluster = `bench-${randomUUID().slice(0, 6)}`;
  const namespace = `${cluster}-ns`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const steady = worker(cluster, 'workflows,grafana', 'workflows');
  let kube = worker(cluster, 'kubernetes', 'kubernetes');
  try {
    const ref: StackRef = { cluster, namespace, name: 'victim', uid: '' };
    const parsed = parseMonitoringStackSpec({
      prometheus: { replicas: 1 },
      exposure: { url: env.PROMETHEUS_URL },
      grafana: { instance: 'default' },
    });
    if (!parsed.ok) throw new Error(parsed.error);
    const applied = await applySpec(client, ref, { generation: 1, spec: parsed.spec });
    if (!applied.accepted) throw new Error(`applySpec rejected (${applied.reason}): ${applied.message}`);
    const child = client.workflow.getHandle(`${stackWorkflowId(ref)}/provision/g1-1`);
    // The first Kubernetes activity seen running: kill its worker there and then.
    const started = await waitFor('a Kubernetes activity running', async () => {
      const d = await child.describe();
      return d.raw.pendingActivities?.find(
        (a) => a.state === 2 /* STARTED */ && a.activityType?.name !== 'grafanaPreflight',
      );
    });
    const killedAt = Date.now();
    kube.kill('SIGKILL');
    kube = worker(cluster, 'kubernetes', 'kubernetes');
    const retried = await waitFor(
      'the killed activity attempted again',
      async () => {
        const d = await child.describe();
        const a = d.raw.pendingActivities?.find((p) => p.activityId === started.activityId);
        // Gone from the pending list: its retry completed; or a later attempt has started.
        return !a || (a.attempt ?? 1) > (started.attempt ?? 1) ? Date.now() : undefined;
      },
      120_000,
    );
    await waitFor('Ready', async () => {
      const v = await client.workflow.getHandle(stackWorkflowId(ref)).query(statusQuery);
      return v.phase === 'Ready' ? v : undefined;
    });
    const ready = Date.now();
    const line = {
      run,
      activity: started.activityType?.name,
      killToRetrySeconds: (retried - killedAt) / 1000,
      killToReadySeconds: (ready - killedAt) / 1000,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    await client.workflow
      .getHandle(stackWorkflowId(ref))
      .terminate('bench done')
      .catch(() => undefined);
    return line;
  } finally {
    steady.kill('SIGTERM');
    kube.kill('SIGTERM');
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
}

const kc = new k8s.KubeConfig();
kc.loadFromFile(env.KUBECONFIG!);
const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
const client = new Client({ connection });
const results = [];
for (let i = 1; i <= runs; i++) results.push(await once(client, kc.makeApiClient(k8s.CoreV1Api), i));
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
process.stdout.write(
  `${JSON.stringify({
    source,
    runs,
    medianKillToRetrySeconds: median(results.map((r) => r.killToRetrySeconds)),
    medianKillToReadySeconds: median(results.map((r) => r.killToReadySeconds)),
  })}\n`,
);
await connection.close();
