// How a status update from a workflow step lands on a MonitoringStack's
// status. Pure: the Kubernetes activity reads the CR, calls mergeStatus with its
// own clock and writes the result back.

import type { Condition, ConditionType, MonitoringStackStatus, Phase } from '../crd/index.js';

type ConditionStatus = Condition['status'];
type PrometheusStatus = NonNullable<MonitoringStackStatus['prometheus']>;
type DatasourceStatus = NonNullable<MonitoringStackStatus['datasource']>;
type WorkflowStatus = NonNullable<MonitoringStackStatus['workflow']>;

/** A condition as a caller sets it; times and generations are filled in by mergeStatus. */
export interface ConditionUpdate {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * What a caller may change. Omitted fields stay as they are; sub-objects are
 * merged key by key; `null` removes a sub-object or lastError.
 */
export interface StatusUpdate {
  phase?: Phase;
  /** metadata.generation this update reflects; also stamped on every condition in the update. */
  observedGeneration?: number;
  /** Merged by type into the existing list. */
  conditions?: ConditionUpdate[];
  prometheus?: PrometheusStatus | null;
  datasource?: DatasourceStatus | null;
  workflow?: WorkflowStatus | null;
  lastError?: { step: string; message: string } | null;
}

// The CRD's limits (crd/status.ts); a longer error text would make the whole write fail.
const MAX_MESSAGE = 32768;
const MAX_STEP = 128;

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function mergeObject<T extends object>(current: T | undefined, update: T | null | undefined): T | undefined {
  if (update === null) return undefined;
  if (update === undefined) return current;
  const merged = { ...current, ...definedOnly(update) };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

function mergeConditions(
  current: Condition[],
  updates: ConditionUpdate[],
  observedGeneration: number | undefined,
  now: string,
): Condition[] {
  const byType = new Map(current.map((c) => [c.type, c]));
  for (const u of updates) {
    const old = byType.get(u.type);
    byType.set(u.type, {
      type: u.type,
      status: u.status,
      // Only a status change is a transition; a new reason or message is not.
      lastTransitionTime: old && old.status === u.status ? old.lastTransitionTime : now,
      reason: u.reason,
      message: truncate(u.message, MAX_MESSAGE),
      // A condition set without a generation cannot claim the one it had before.
      ...(observedGeneration !== undefined && { observedGeneration }),
    });
  }
  // Map keeps insertion order: existing conditions stay where they were, new ones go last.
  return [...byType.values()];
}

/** The status after applying `update` to `current` at time `now` (RFC 3339). */
export function mergeStatus(
  current: MonitoringStackStatus | undefined,
  update: StatusUpdate,
  now: string,
): MonitoringStackStatus {
  const cur = current ?? {};
  const next: MonitoringStackStatus = { ...cur };

  if (update.phase !== undefined) next.phase = update.phase;
  if (update.observedGeneration !== undefined) next.observedGeneration = update.observedGeneration;
  if (update.conditions !== undefined && update.conditions.length > 0) {
    next.conditions = mergeConditions(
      cur.conditions ?? [],
      update.conditions,
      update.observedGeneration,
      now,
    );
  }

  next.prometheus = mergeObject(cur.prometheus, update.prometheus);
  next.datasource = mergeObject(cur.datasource, update.datasource);
  next.workflow = mergeObject(cur.workflow, update.workflow);

  if (update.lastError === null) {
    next.lastError = undefined;
  } else if (update.lastError !== undefined) {
    const step = truncate(update.lastError.step, MAX_STEP);
    const message = truncate(update.lastError.message, MAX_MESSAGE);
    const old = cur.lastError;
    // The same error reported again (a retried activity) keeps its time, so repeating an update is a no-op.
    const time = old && old.step === step && old.message === message ? old.time : now;
    next.lastError = { step, message, time };
  }

  return definedOnly(next);
}

/** One update with the effect of applying `first` and then `then` (a saga's coalesced status writes). */
export function combineUpdates(first: StatusUpdate, then: StatusUpdate): StatusUpdate {
  const sub = <T extends object>(a: T | null | undefined, b: T | null | undefined): T | null | undefined =>
    b === undefined ? a : b === null || a === null || a === undefined ? b : { ...a, ...definedOnly(b) };
  const conditions = new Map(
    [...(first.conditions ?? []), ...(then.conditions ?? [])].map((c) => [c.type, c]),
  );
  return definedOnly({
    phase: then.phase ?? first.phase,
    observedGeneration: then.observedGeneration ?? first.observedGeneration,
    conditions: conditions.size > 0 ? [...conditions.values()] : undefined,
    prometheus: sub(first.prometheus, then.prometheus),
    datasource: sub(first.datasource, then.datasource),
    workflow: sub(first.workflow, then.workflow),
    lastError: then.lastError !== undefined ? then.lastError : first.lastError,
  });
}
