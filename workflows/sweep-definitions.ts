// The Grafana sweep workflow's contract (workflows/grafana-sweep.ts): input,
// signal, query. Pure: the worker process and tests import it too.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SweepInstanceResult } from '../activities/grafana/index.js';

export interface GrafanaSweepInput {
  instance: string;
  /** Time between the starts of two sweeps (ms). */
  intervalMs: number;
  /** Continue-as-new after this many sweeps (bounds history). */
  ticksPerRun?: number;
  /** Carried across continue-as-new. */
  last?: SweepSummary;
}

/** The last sweep, as the `sweepStatus` query and the Temporal UI show it. */
export interface SweepSummary {
  at: string;
  ok: boolean;
  /** Sweeps done since the workflow (not this run) started. */
  sweeps: number;
  stacks?: number;
  drifted?: number;
  poked?: number;
  grafanaCalls?: number;
  findings?: SweepInstanceResult['findings'];
  /** Why the last sweep was skipped (Grafana down, 401, …). */
  error?: string;
}

/** Sent by every process that starts the sweep (signal-with-start): the interval it was configured with. */
export const sweepConfigSignal = defineSignal<[{ intervalMs: number }]>('sweepConfig');
export const sweepStatusQuery = defineQuery<SweepSummary | undefined>('sweepStatus');
