import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  TemporalFailure,
} from '@temporalio/workflow';

/** The innermost human message of a failure chain (activity → application failure). */
export function errorMessage(e: unknown): string {
  let cur: unknown = e;
  while (cur instanceof ActivityFailure || cur instanceof ChildWorkflowFailure) {
    if (!cur.cause) break;
    cur = cur.cause;
  }
  if (cur instanceof TemporalFailure || cur instanceof Error) return cur.message;
  return String(cur);
}

/** A failure a step raises itself (a deadline passed, a check failed): not retried. */
export const stepFailure = (type: string, message: string): ApplicationFailure =>
  ApplicationFailure.create({ type, message, nonRetryable: true });

/** The Temporal failure type at the root of a chain, e.g. DatasourceNameTaken or ReadinessDeadlineExceeded. */
export function failureType(e: unknown): string | undefined {
  let cur: unknown = e;
  while (cur instanceof TemporalFailure) {
    if (cur instanceof ApplicationFailure) return cur.type ?? undefined;
    cur = cur.cause;
  }
  return undefined;
}
