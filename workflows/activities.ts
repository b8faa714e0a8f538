// Activity proxies, typed per task queue: kube(…) offers only the Kubernetes
// activities (served on the stack's cluster queue), grafana(…) only the Grafana
// ones (the grafana queue), so a call sent to the wrong queue does not compile.
// One proxy per call site, so each activity carries a summary that reads well
// in the Temporal UI.
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { GrafanaActivities } from '../activities/grafana/index.js';
import type { KubernetesActivities } from '../activities/kubernetes/index.js';
import { HEARTBEAT_TIMEOUT_MS } from '../domain/heartbeat.js';
import { GRAFANA_TASK_QUEUE, kubernetesTaskQueue, type StackRef } from '../domain/stack-ref.js';
import { AGENT_ANSWER_TIMEOUT_MS, KUBERNETES_UNREACHABLE } from './cluster-wait.js';

const retry: ActivityOptions['retry'] = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
};

/**
 * Kubernetes activities for this stack's cluster; retried up to `deadlineMs` in
 * all. A cluster that does not answer (its agent takes no task, or its apiserver
 * is unreachable) fails the call at once, for `untilClusterAnswers` to wait on.
 */
export const kube = (ref: StackRef, summary: string, deadlineMs = 5 * 60_000): KubernetesActivities =>
  proxyActivities<KubernetesActivities>({
    taskQueue: kubernetesTaskQueue(ref.cluster),
    scheduleToStartTimeout: AGENT_ANSWER_TIMEOUT_MS,
    startToCloseTimeout: '30s',
    // Every activity heartbeats: a worker that died mid-activity is noticed in seconds.
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    scheduleToCloseTimeout: deadlineMs,
    retry: { ...retry, nonRetryableErrorTypes: [KUBERNETES_UNREACHABLE] },
    summary,
  });

/** Grafana activities; retryable failures (5xx, 429, network) are retried until `deadlineMs`. */
export const grafana = (summary: string, deadlineMs: number): GrafanaActivities =>
  proxyActivities<GrafanaActivities>({
    taskQueue: GRAFANA_TASK_QUEUE,
    startToCloseTimeout: '30s',
    // Every activity heartbeats: a worker that died mid-activity is noticed in seconds.
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    scheduleToCloseTimeout: deadlineMs,
    retry,
    summary,
  });

/**
 * A Kubernetes activity that waits inside the activity for up to `waitMs`
 * (heartbeating, so a dead worker is still noticed in seconds).
 */
export const kubeWaiting = (ref: StackRef, summary: string, waitMs: number): KubernetesActivities =>
  proxyActivities<KubernetesActivities>({
    taskQueue: kubernetesTaskQueue(ref.cluster),
    scheduleToStartTimeout: AGENT_ANSWER_TIMEOUT_MS,
    startToCloseTimeout: waitMs + 30_000,
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    scheduleToCloseTimeout: waitMs + 5 * 60_000,
    retry: { ...retry, nonRetryableErrorTypes: [KUBERNETES_UNREACHABLE] },
    summary,
  });

/**
 * The Grafana drift sweep: a few quick attempts within one tick; what still
 * fails skips the tick (the next one asks again), it is never retried into the next.
 */
export const grafanaSweep = (summary: string, tickMs: number): GrafanaActivities =>
  proxyActivities<GrafanaActivities>({
    taskQueue: GRAFANA_TASK_QUEUE,
    startToCloseTimeout: '60s',
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    scheduleToCloseTimeout: Math.max(tickMs, 20_000),
    retry: { ...retry, maximumInterval: '5s', maximumAttempts: 3 },
    summary,
  });
