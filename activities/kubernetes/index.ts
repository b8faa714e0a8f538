// Kubernetes activities of the stack saga. Each takes one JSON object and
// returns JSON; all are idempotent, so Temporal may retry any of them, also
// after a timeout whose effect already landed.

import os from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { asyncLocalStorage } from '@temporalio/activity';
import { makeKubeClients } from '../../kube/clients.js';
import type { KubeContext } from './context.js';
import { applyExposure, deleteExposure, exposureStatus } from './exposure.js';
import { Objects } from './objects.js';
import { orphanObjects } from './orphan.js';
import { applyPrometheus, deletePrometheus } from './prometheus.js';
import { waitPrometheusGone } from './prometheus-gone.js';
import { prometheusReadiness } from './readiness.js';
import { awaitPrometheusReady } from './readiness-watch.js';
import { getStack, patchStackStatus } from './stack.js';
import type {
  ApplyExposureResult,
  ApplyPrometheusResult,
  AwaitReadinessInput,
  DeletePrometheusResult,
  DeleteResult,
  ExposureStatus,
  GetStackResult,
  OrphanResult,
  PatchStackStatusInput,
  PatchStackStatusResult,
  PrometheusReadiness,
  ReadinessInput,
  SpecInput,
  StackInput,
  WaitGoneInput,
  WaitGoneResult,
} from './types.js';

export type * from './types.js';

export interface KubernetesActivitiesOptions {
  kubeConfig: KubeConfig;
  /** Name of the cluster the kubeconfig points at; refs for other clusters are refused. */
  cluster: string;
  /** Per-request timeout; default 10 s, well inside an activity attempt of 30 s. */
  requestTimeoutMs?: number;
  /** events.k8s.io reportingInstance; default <hostname>/k8s.<cluster>. */
  reportingInstance?: string;
}

export interface KubernetesActivities {
  applyPrometheus(input: SpecInput): Promise<ApplyPrometheusResult>;
  prometheusReadiness(input: ReadinessInput): Promise<PrometheusReadiness>;
  /** Waits (watching, heartbeating) up to `waitMs` for readiness. */
  awaitPrometheusReady(input: AwaitReadinessInput): Promise<PrometheusReadiness>;
  applyExposure(input: SpecInput): Promise<ApplyExposureResult>;
  exposureStatus(input: SpecInput): Promise<ExposureStatus>;
  deleteExposure(input: StackInput): Promise<DeleteResult>;
  deletePrometheus(input: StackInput): Promise<DeletePrometheusResult>;
  waitPrometheusGone(input: WaitGoneInput): Promise<WaitGoneResult>;
  orphanObjects(input: StackInput): Promise<OrphanResult>;
  patchStackStatus(input: PatchStackStatusInput): Promise<PatchStackStatusResult>;
  getStack(input: StackInput): Promise<GetStackResult>;
}

export function createKubernetesActivities(options: KubernetesActivitiesOptions): KubernetesActivities {
  // Temporal cancelling the activity aborts its requests too.
  const clients = makeKubeClients(options.kubeConfig, {
    ...(options.requestTimeoutMs !== undefined && { timeoutMs: options.requestTimeoutMs }),
    cancellation: () => asyncLocalStorage.getStore()?.cancellationSignal,
  });
  const ctx: KubeContext = {
    cluster: options.cluster,
    objects: new Objects(clients.objects),
    custom: clients.custom,
    events: clients.events,
    reportingInstance: options.reportingInstance ?? `${os.hostname()}/k8s.${options.cluster}`,
  };
  return {
    applyPrometheus: (input) => applyPrometheus(ctx, input),
    prometheusReadiness: (input) => prometheusReadiness(ctx, input),
    awaitPrometheusReady: (input) => awaitPrometheusReady(ctx, options.kubeConfig, input),
    applyExposure: (input) => applyExposure(ctx, input),
    exposureStatus: (input) => exposureStatus(ctx, input),
    deleteExposure: (input) => deleteExposure(ctx, input),
    deletePrometheus: (input) => deletePrometheus(ctx, input),
    waitPrometheusGone: (input) => waitPrometheusGone(ctx, input),
    orphanObjects: (input) => orphanObjects(ctx, input),
    patchStackStatus: (input) => patchStackStatus(ctx, input),
    getStack: (input) => getStack(ctx, input),
  };
}
