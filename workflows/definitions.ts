// The stack workflow's public contract: its inputs, updates, signals, queries
// and the view it reports. Pure: the watcher, the CLI and tests import it too.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MonitoringStackSpec } from '../crd/spec.js';
import type { Phase } from '../crd/status.js';
import { DRIFT_CHECK_SIGNAL, type StackRef } from '../domain/stack-ref.js';
import type { StackOptions, StackOptionsOverrides } from './options.js';

/** One generation of a stack's spec, as parsed (defaults applied). Never holds secrets. */
export interface DesiredSpec {
  generation: number;
  spec: MonitoringStackSpec;
}

/** Tunables, fixed per stack workflow: schema in domain/stack-options.ts, defaults in workflows/options.ts. */
export type { StackOptions, StackOptionsOverrides };

export interface StackWorkflowInput {
  ref: StackRef;
  desired?: DesiredSpec;
  options?: StackOptionsOverrides;
  /** Carried across continue-as-new. */
  carried?: CarriedState;
}

/** A spec that reached Ready, with the address Grafana used for it. */
export interface ReadySpec extends DesiredSpec {
  externalUrl?: string;
}

export interface CarriedState {
  lastReady?: ReadySpec;
  /** The generation the last saga was started for (whatever its outcome). */
  appliedGeneration?: number;
  /** Sagas started so far: part of each child's id, so a retry of one generation gets a new id. */
  attempts?: number;
  view?: StackView;
}

export interface StepRecord {
  step: StepName;
  state: 'running' | 'done' | 'failed' | 'compensated' | 'compensation-failed';
  message: string;
  at: string;
}

export type StepName =
  | 'preflight'
  | 'applyPrometheus'
  | 'waitPrometheusReady'
  | 'expose'
  | 'waitExposed'
  | 'registerDatasource'
  | 'checkDatasourceHealth'
  | 'teardown'
  | 'drift';

export interface DriftReport {
  at: string;
  kubernetes: string[];
  grafana: string[];
}

/** What the `status` query returns: live, from the workflow's own state. */
export interface StackView {
  ref: StackRef;
  phase: Phase;
  desiredGeneration?: number;
  /** Generation of the last saga that finished (Ready, Failed or rolled back). */
  observedGeneration?: number;
  readyGeneration?: number;
  currentStep?: StepName;
  steps: StepRecord[];
  lastError?: { step: string; message: string };
  prometheus?: { internalUrl?: string; externalUrl?: string };
  datasource?: { uid: string; name: string; grafanaInstance: string };
  lastDrift?: DriftReport;
  paused: boolean;
}

export type ProvisionOutcome = (
  | { outcome: 'Ready'; view: Partial<StackView> }
  | { outcome: 'Failed'; step: string; message: string; compensationErrors: string[] }
  | { outcome: 'RolledBack'; step: string; message: string; compensationErrors: string[] }
  | { outcome: 'Superseded' }
) & {
  /** A lean saga's step records it has not reported by `stepsSignal` (all of them when it never waited). */
  steps?: StepRecord[];
  /** The saga ran quiet (its input said so): the stack workflow upserts its last step with the phase. */
  quiet?: boolean;
};

// Updates: operations whose caller needs an answer. A validator rejects a
// request before it enters history, with an ApplicationFailure of type
// STACK_REQUEST_REJECTED whose details[0] is the RejectionReason.

export const STACK_REQUEST_REJECTED = 'StackRequestRejected';
/**
 * stale: an older generation than the workflow has; duplicate: the same one; invalid: not acceptable now or
 * at all; otherIncarnation: the workflow serves another CR of the same name (another uid).
 */
export type RejectionReason = 'stale' | 'duplicate' | 'invalid' | 'otherIncarnation';

/** A spec to apply: with the CR's generation, or (a direct stack) without, and the workflow numbers it. */
export interface ApplySpecRequest {
  generation?: number;
  spec: MonitoringStackSpec;
  /** The CR's uid (the watcher sends it): refused by a workflow that serves another incarnation. */
  uid?: string;
}
export interface ApplySpecResult {
  /** The generation the workflow accepted (and will provision). */
  generation: number;
  /** The workflow had no spec before this one. */
  first: boolean;
}
export const applySpecUpdate = defineUpdate<ApplySpecResult, [ApplySpecRequest]>('applySpec');

export interface RetryResult {
  /** What will run again: the provisioning of `generation`, or a teardown that failed. */
  retrying: 'provision' | 'teardown';
  generation?: number;
}
/** Run the failed saga (or teardown) again; rejected on a Ready stack, while a saga runs, or while paused. */
export const retryUpdate = defineUpdate<RetryResult>('retryStack');

export interface PauseResult {
  paused: boolean;
  /** False when the stack already was in that state. */
  changed: boolean;
}
/** Pause (true) or resume (false) reconciliation, like spec.suspend but operator-side. */
export const setPausedUpdate = defineUpdate<PauseResult, [boolean]>('setPaused');

export interface DriftCheckResult {
  /** False when the check did not run (the stack was deleted, paused or got a new spec first). */
  ran: boolean;
  healthy: boolean;
  message: string;
  report?: DriftReport;
}
/** Run the drift check now; completes with its result. Rejected unless the stack has been Ready. */
export const driftCheckUpdate = defineUpdate<DriftCheckResult>('checkDrift');

// Signals: fire-and-forget. specChanged, driftCheck, retry and pause are the
// earlier API, still handled so running workflows and recorded histories go on.

/** A newer spec (the highest generation wins). Superseded by applySpecUpdate. */
export const specChangedSignal = defineSignal<[DesiredSpec]>('specChanged');
/** The CR is being deleted: tear down by its deletion policy and end. */
export interface TeardownRequest {
  deletionPolicy: 'Delete' | 'Orphan';
  /** The spec at deletion time (for the Grafana instance), if the workflow may not know it. */
  spec?: MonitoringStackSpec;
}
export const teardownSignal = defineSignal<[TeardownRequest]>('teardown');
/** Superseded by driftCheckUpdate. */
export const driftCheckSignal = defineSignal(DRIFT_CHECK_SIGNAL);
/** Superseded by retryUpdate. */
export const retrySignal = defineSignal('retry');
/** Superseded by setPausedUpdate. */
export const pauseSignal = defineSignal<[boolean]>('pause');
/** Sent by a saga child to its stack workflow as each step starts, ends or is undone (before LEAN_SAGA_PATCH). */
export const progressSignal = defineSignal<[StepRecord]>('progress');
/** Sent by a lean saga child when it starts to wait: the step records since its last report, in order. */
export const stepsSignal = defineSignal<[StepRecord[]]>('steps');
/**
 * How a stack workflow recorded before child cancellation told its running
 * provision child to stand down; new runs cancel the child instead.
 */
export const supersedeSignal = defineSignal('supersede');

export const statusQuery = defineQuery<StackView>('status');
