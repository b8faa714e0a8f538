// Activity proxies: Kubernetes calls go to the stack's cluster queue, Grafana
// calls to the grafana queue. One proxy per call site, so each activity carries
// a summary that reads well in the Temporal UI.
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { GRAFANA_TASK_QUEUE, kubernetesTaskQueue, type StackRef } from '../domain/stack-ref.js';

type Acts = ReturnType<typeof createActivities>;

const retry: ActivityOptions['retry'] = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
};

/** Kubernetes activities for this stack's cluster; retried up to `deadlineMs` in all. */
export const kube = (ref: StackRef, summary: string, deadlineMs = 5 * 60_000): Acts =>
  proxyActivities<Acts>({
    taskQueue: kubernetesTaskQueue(ref.cluster),
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: deadlineMs,
    retry,
    summary,
  });

/** Grafana activities; retryable failures (5xx, 429, network) are retried until `deadlineMs`. */
export const grafana = (summary: string, deadlineMs: number): Acts =>
  proxyActivities<Acts>({
    taskQueue: GRAFANA_TASK_QUEUE,
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: deadlineMs,
    retry,
    summary,
  });
