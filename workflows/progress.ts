import {
  isCancellation,
  log,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Phase } from '../crd/status.js';
import { isoNow } from '../domain/clock.js';
import type { StackRef } from '../domain/stack-ref.js';
import { kube } from './activities.js';
import type { StackView, StepName, StepRecord } from './definitions.js';
import { errorMessage } from './errors.js';
import { SA } from '../domain/search-attributes.js';
import type { StatusUpdate } from '../domain/conditions.js';
import type { StackEvent } from '../domain/stack-events.js';

/** The one cap on recorded steps (workflow view, query, carried across continue-as-new). */
export const MAX_RECORDED_STEPS = 50;

/** `steps` plus `rec`, the oldest dropped beyond the cap. */
export const recordStep = (steps: readonly StepRecord[], rec: StepRecord): StepRecord[] =>
  [...steps, rec].slice(-MAX_RECORDED_STEPS);

/**
 * Makes a saga's progress visible in three places at once: the CR status (what
 * kubectl shows), the workflow's current details and search attributes (what the
 * Temporal UI shows), and the in-memory view the `status` query returns.
 */
export class Progress {
  constructor(
    private readonly ref: StackRef,
    readonly view: StackView,
    private readonly onRecord?: (r: StepRecord, phase: Phase) => Promise<void>,
  ) {}

  async step(
    step: StepName,
    state: StepRecord['state'],
    message: string,
    status?: StatusUpdate,
    events?: StackEvent[],
  ): Promise<void> {
    const rec: StepRecord = { step, state, message, at: isoNow() };
    this.view.steps = recordStep(this.view.steps, rec);
    this.view.currentStep = state === 'running' ? step : undefined;
    if (status?.phase) this.view.phase = status.phase;
    setCurrentDetails(`**${this.view.phase}** · ${step}: ${state}\n\n${message}`);
    upsertSearchAttributes([
      { key: SA.step, value: step },
      { key: SA.phase, value: this.view.phase },
    ]);
    await this.onRecord?.(rec, this.view.phase);
    if (status) await this.writeStatus(status, events);
  }

  /**
   * Status (and the Events of the same moment, for kubectl describe) is
   * informational: a failure to write it is logged, never fails the saga.
   */
  async writeStatus(update: StatusUpdate, events?: StackEvent[]): Promise<void> {
    if (update.phase) this.view.phase = update.phase;
    try {
      await kube(
        this.ref,
        `status ${this.ref.namespace}/${this.ref.name}: ${update.phase ?? 'update'}`,
        60_000,
      ).patchStackStatus({
        ref: this.ref,
        update: { ...update, workflow: stackWorkflowExecution() },
        ...(events?.length && { events }),
      });
    } catch (e) {
      if (isCancellation(e)) throw e; // the saga is being stopped: no more steps
      log.warn('could not write MonitoringStack status', { error: errorMessage(e) });
    }
  }
}

/** The long-lived stack workflow (a saga's parent), which is what people look up. */
function stackWorkflowExecution(): { workflowId: string; runId: string } {
  const info = workflowInfo();
  return info.parent
    ? { workflowId: info.parent.workflowId, runId: info.parent.runId }
    : { workflowId: info.workflowId, runId: info.runId };
}
