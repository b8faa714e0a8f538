// The stack workflow's public contract: its inputs, signals, queries and the
// view it reports. Pure: the watcher, the CLI and tests import it too.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { MonitoringStackSpec } from '../crd/spec.js';
import type { Phase } from '../crd/status.js';
import type { StackRef } from '../domain/stack-ref.js';
import type { StackOptions, StackOptionsOverrides } from './options.js';

/** One generation of a stack's spec, as parsed (defaults applied). Never holds secrets. */
export interface DesiredSpec {
  generation: number;
  spec: MonitoringStackSpec;
}

/** Tunables, fixed per stack workflow: schema and defaults in workflows/options.ts. */
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

export type ProvisionOutcome =
  | { outcome: 'Ready'; view: Partial<StackView> }
  | { outcome: 'Failed'; step: string; message: string; compensationErrors: string[] }
  | { outcome: 'RolledBack'; step: string; message: string; compensationErrors: string[] }
  | { outcome: 'Superseded' };

/** A newer spec (the watcher sends every generation change; the highest wins). */
export const specChangedSignal = defineSignal<[DesiredSpec]>('specChanged');
/** The CR is being deleted: tear down by its deletion policy and end. */
export interface TeardownRequest {
  deletionPolicy: 'Delete' | 'Orphan';
  /** The spec at deletion time (for the Grafana instance), if the workflow may not know it. */
  spec?: MonitoringStackSpec;
}
export const teardownSignal = defineSignal<[TeardownRequest]>('teardown');
/** Run the drift check now. */
export const driftCheckSignal = defineSignal('driftCheck');
/** Provision again after a failure, with the same spec. */
export const retrySignal = defineSignal('retry');
/** Pause or resume reconciliation (like spec.suspend, but operator-side). */
export const pauseSignal = defineSignal<[boolean]>('pause');
/** Sent by a saga child to its stack workflow as each step starts, ends or is undone. */
export const progressSignal = defineSignal<[StepRecord]>('progress');
/** Sent by the stack workflow to its running provision child when a newer spec or a teardown arrives. */
export const supersedeSignal = defineSignal('supersede');

export const statusQuery = defineQuery<StackView>('status');
