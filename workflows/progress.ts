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
import { combineUpdates, type StatusUpdate } from '../domain/conditions.js';
import type { StackEvent } from '../domain/stack-events.js';

/** The one cap on recorded steps (workflow view, query, carried across continue-as-new). */
export const MAX_RECORDED_STEPS = 50;

/** `steps` plus `rec`, the oldest dropped beyond the cap. */
export const recordStep = (steps: readonly StepRecord[], rec: StepRecord): StepRecord[] =>
  [...steps, rec].slice(-MAX_RECORDED_STEPS);

/**
 * Lean reporting (a saga from LEAN_SAGA_PATCH on): step records and status
 * updates are collected and published together when the saga starts to wait
 * (`waiting`) and by its explicit status writes, instead of a parent signal
 * and a status-write activity per step; each costs a workflow task.
 */
export interface LeanReporting {
  /** Sends the records not yet reported to whoever shows them live (the stack workflow). */
  report?: (records: StepRecord[]) => void;
  /**
   * Upserts the step and phase search attributes only when the saga starts to
   * wait (where someone may look for it), not at every step: each upsert is a
   * command, an event and a visibility write.
   */
  attributesOnWait?: boolean | undefined;
}

/**
 * Makes a saga's progress visible in three places at once: the CR status (what
 * kubectl shows), the workflow's current details and search attributes (what the
 * Temporal UI shows), and the in-memory view the `status` query returns.
 */
export class Progress {
  private unreported: StepRecord[] = [];
  private pending?: { update: StatusUpdate; events: StackEvent[] };
  private attributes = '';
  /** Lean status writes run one after another, in order (each reads the CR fresh and merges). */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly ref: StackRef,
    readonly view: StackView,
    private readonly onRecord?: (r: StepRecord, phase: Phase) => Promise<void>,
    private readonly lean?: LeanReporting,
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
    if (this.lean) {
      if (!this.lean.attributesOnWait) this.upsertIfChanged(step);
      if (this.lean.report) this.unreported.push(rec);
      if (status) this.defer(status, events);
      return;
    }
    this.upsertStepAttributes(step);
    await this.onRecord?.(rec, this.view.phase);
    if (status) await this.writeStatus(status, events);
  }

  /** A running step that now waits: in lean mode, what was collected is published now (not awaited). */
  async waiting(step: StepName, message: string): Promise<void> {
    await this.step(step, 'running', message);
    if (!this.lean) return;
    if (this.lean.attributesOnWait) this.upsertIfChanged(step);
    this.flushReport();
    if (this.pending) this.enqueueWrite().catch(() => undefined);
  }

  /** The records not yet reported to the parent (lean mode), for the saga's result; they count as reported. */
  takeUnreported(): StepRecord[] {
    const r = this.unreported;
    this.unreported = [];
    return r;
  }

  /**
   * Status (and the Events of the same moment, for kubectl describe) is
   * informational: a failure to write it is logged, never fails the saga.
   * In lean mode it includes the updates collected since the last write.
   */
  async writeStatus(update: StatusUpdate, events?: StackEvent[]): Promise<void> {
    if (update.phase) this.view.phase = update.phase;
    if (!this.lean) return this.write(update, events);
    this.defer(update, events);
    await this.enqueueWrite();
  }

  /** Writes what lean mode has collected, after the writes before it (nothing to do otherwise). */
  async flushStatus(): Promise<void> {
    if (this.lean && this.pending) await this.enqueueWrite();
  }

  /** A status update (lean mode) for the next write; without lean mode it is written now. */
  async collect(update: StatusUpdate, events?: StackEvent[]): Promise<void> {
    if (update.phase) this.view.phase = update.phase;
    if (!this.lean) return this.write(update, events);
    this.defer(update, events);
  }

  private defer(update: StatusUpdate, events?: StackEvent[]): void {
    this.pending = this.pending
      ? {
          update: combineUpdates(this.pending.update, update),
          events: [...this.pending.events, ...(events ?? [])],
        }
      : { update, events: events ?? [] };
  }

  /** Search attributes only when they change (each upsert is a command and an event). */
  private upsertIfChanged(step: StepName): void {
    const attributes = `${step}/${this.view.phase}`;
    if (attributes === this.attributes) return;
    this.attributes = attributes;
    this.upsertStepAttributes(step);
  }

  private upsertStepAttributes(step: StepName): void {
    upsertSearchAttributes([
      { key: SA.step, value: step },
      { key: SA.phase, value: this.view.phase },
    ]);
  }

  private flushReport(): void {
    if (this.unreported.length > 0) this.lean?.report?.(this.takeUnreported());
  }

  /** Writes what is pending after the writes before it; takes it at write time, so later updates join it. */
  private enqueueWrite(): Promise<void> {
    // A write the saga's cancellation stopped does not hold up the ones after it.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        const p = this.pending;
        this.pending = undefined;
        if (p) await this.write(p.update, p.events);
      });
    return this.writing;
  }

  private async write(update: StatusUpdate, events?: StackEvent[]): Promise<void> {
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
