import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import type { NativeConnection } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import type { createGrafanaActivities } from '../activities/grafana/index.js';
import { heartbeating } from '../activities/heartbeat.js';
import { GRAFANA_TASK_QUEUE, kubernetesTaskQueue, WORKFLOW_TASK_QUEUE } from '../domain/stack-ref.js';
import { bundlerOptions } from './bundle-options.js';
import type { Role } from './config.js';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  roles: readonly Role[];
  /** Kubernetes role: the cluster it acts on, and its credentials. */
  cluster: string;
  kubeConfig?: KubeConfig;
  /** Grafana role: the configured instances (credentials are resolved per call). */
  grafana?: Parameters<typeof createGrafanaActivities>[0];
  /** Prebuilt workflow bundle: a file (production) or code (tests bundle once); else bundled from source. */
  workflowBundlePath?: string;
  workflowBundle?: { code: string };
  /** Workflows role: how many workflows stay cached between tasks (Temporal's default when unset). */
  maxCachedWorkflows?: number;
  /** After shutdown is requested, how long in-flight activities may finish before they are cancelled. */
  shutdownGraceSeconds?: number;
}

export const workflowsPath = fileURLToPath(
  new URL(
    import.meta.url.endsWith('.ts') ? '../workflows/index.ts' : '../workflows/index.js',
    import.meta.url,
  ),
);

/**
 * How long a workflow task waits on this worker's sticky queue before the server
 * hands it to any worker (from history). The SDK's 10 s is what a saga loses
 * after its worker dies (SIGKILL, OOM): the server keeps routing to the dead
 * worker's sticky queue for 10 s after its last poll, then waits this long
 * (measured: P5 spent exactly 10 s there). A live worker takes sticky tasks in
 * well under this even with 50 sagas in flight; missing it costs one replay.
 */
const STICKY_SCHEDULE_TO_START_MS = 3_000;

/**
 * Kubernetes activities mostly wait on a watch (readiness, deletion; up to 20 s each)
 * and cost a connection, not CPU. With the SDK's 100 slots, 100 stacks waiting for
 * readiness starved every status write (ScheduleToStart timeouts at 500 stacks at once).
 */
const KUBERNETES_ACTIVITY_SLOTS = 1000;

/**
 * One Temporal worker per role, each on its own task queue, so a process can
 * serve all roles (the default) or just one: a cluster's Kubernetes worker holds
 * only that cluster's credentials, the Grafana worker only Grafana tokens.
 */
export async function createWorkers(d: WorkerDeps): Promise<Worker[]> {
  const workers: Worker[] = [];
  const base = {
    connection: d.connection,
    namespace: d.namespace,
    ...(d.shutdownGraceSeconds !== undefined && { shutdownGraceTime: d.shutdownGraceSeconds * 1000 }),
  };
  if (d.roles.includes('workflows')) {
    workers.push(
      await Worker.create({
        ...base,
        taskQueue: WORKFLOW_TASK_QUEUE,
        ...(d.maxCachedWorkflows !== undefined && { maxCachedWorkflows: d.maxCachedWorkflows }),
        stickyQueueScheduleToStartTimeout: STICKY_SCHEDULE_TO_START_MS,
        ...(d.workflowBundle
          ? { workflowBundle: d.workflowBundle }
          : d.workflowBundlePath
            ? { workflowBundle: { codePath: d.workflowBundlePath } }
            : { workflowsPath, bundlerOptions }),
      }),
    );
  }
  if (d.roles.includes('kubernetes')) {
    if (!d.kubeConfig) throw new Error('the kubernetes role needs a kubeconfig');
    // Loaded with the role only (the Kubernetes client is the heaviest dependency).
    const { createKubernetesActivities } = await import('../activities/kubernetes/index.js');
    workers.push(
      await Worker.create({
        ...base,
        taskQueue: kubernetesTaskQueue(d.cluster),
        maxConcurrentActivityTaskExecutions: KUBERNETES_ACTIVITY_SLOTS,
        activities: heartbeating(
          createKubernetesActivities({ kubeConfig: d.kubeConfig, cluster: d.cluster }),
        ),
      }),
    );
  }
  if (d.roles.includes('grafana')) {
    if (!d.grafana) throw new Error('the grafana role needs Grafana instances configured');
    const { createGrafanaActivities } = await import('../activities/grafana/index.js');
    workers.push(
      await Worker.create({
        ...base,
        taskQueue: GRAFANA_TASK_QUEUE,
        activities: heartbeating(createGrafanaActivities(d.grafana)),
      }),
    );
  }
  return workers;
}

const shutdownAll = (workers: Worker[]) => {
  for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
};

/** Runs all workers until one fails or all are shut down (or `signal` asks); a failure stops the others too. */
export async function runWorkers(workers: Worker[], signal?: AbortSignal): Promise<void> {
  const onAbort = () => shutdownAll(workers);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const running = Promise.all(workers.map((w) => w.run()));
    if (signal?.aborted) onAbort();
    await running;
  } catch (e) {
    shutdownAll(workers);
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
