// Inputs and results of the Kubernetes activities. Each activity takes one
// plain JSON object and returns JSON, so workflows can import these as types.

import type { MonitoringStack, MonitoringStackSpec, MonitoringStackStatus } from '../../crd/index.js';
import type { StatusUpdate } from '../../domain/conditions.js';
import type { StackRef } from '../../domain/stack-ref.js';
import type { StackEvent } from '../../domain/stack-events.js';

export interface StackInput {
  ref: StackRef;
}

export interface SpecInput {
  ref: StackRef;
  /** The parsed spec (MonitoringStackSpecSchema output); parsed again on arrival. */
  spec: MonitoringStackSpec;
}

/** Readiness of the stack's Prometheus; without a spec (calls scheduled by older versions), a StatefulSet's. */
export interface ReadinessInput {
  ref: StackRef;
  spec?: MonitoringStackSpec;
}

export interface ApplyPrometheusResult {
  /** In-cluster address, e.g. http://team-a-prometheus.team-a.svc:9090 */
  internalUrl: string;
  /** `Kind/name` of every object this call created or modified (drift repaired included). */
  changed: string[];
}

/** `awaitPrometheusReady`: how long this attempt may wait for readiness (capped at 25 s). */
export interface AwaitReadinessInput extends ReadinessInput {
  waitMs?: number;
}

export interface PrometheusReadiness {
  ready: boolean;
  /** Desired replicas (0 when the StatefulSet does not exist). */
  replicas: number;
  readyReplicas: number;
  /** For people: progress, and why pods are stuck when they are. */
  message: string;
}

export interface ApplyExposureResult {
  /** `Kind/name` of the Ingress or LoadBalancer Service when created or modified. */
  changed: string[];
  /** `Kind/name` of exposure objects of a previous mode that were deleted. */
  deleted: string[];
}

export interface ExposureStatus {
  /** Where Grafana reaches Prometheus; absent while the address is not known yet. */
  externalUrl?: string;
  message: string;
}

export interface DeleteResult {
  /** `Kind/name` of the objects deleted by this call (empty when there was nothing left). */
  deleted: string[];
}

export interface DeletePrometheusResult extends DeleteResult {
  /** What is still there after the call (the StatefulSet until its pods are gone, pods, claims being deleted). */
  remaining: string[];
}

export interface WaitGoneInput {
  ref: StackRef;
  /** How long the activity waits before it reports what is still there. */
  timeoutMs: number;
}

export interface WaitGoneResult {
  gone: boolean;
  /** What is still there when `gone` is false. */
  remaining: string[];
}

export interface OrphanResult {
  /** `Kind/name` of the objects whose owner reference to the MonitoringStack was removed. */
  orphaned: string[];
}

export interface PatchStackStatusInput {
  ref: StackRef;
  update: StatusUpdate;
  /** Events to record on the CR with this status (kubectl describe). */
  events?: StackEvent[];
}

export type PatchStackStatusResult = { found: false } | { found: true; status: MonitoringStackStatus };

export type GetStackResult = MonitoringStack | undefined;

export type { StatusUpdate, ConditionUpdate } from '../../domain/conditions.js';
