import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { kubernetesTaskQueue, type StackRef } from '../domain/stack-ref.js';

/**
 * How long a Kubernetes activity may sit in its cluster's task queue before we
 * call the cluster's agent "not answering". Its own attempts still run to their
 * timeouts; this only bounds the wait for a worker to pick the task up.
 */
export const AGENT_ANSWER_TIMEOUT_MS = 15_000;

/** The Kubernetes failure type of a call that never reached the apiserver (activities/errors.ts). */
export const KUBERNETES_UNREACHABLE = 'KubernetesUnreachable';

/**
 * Why the stack's cluster did not answer, or undefined if the failure is
 * anything else: the task sat unclaimed (the cluster's agent is down), or the
 * agent could not reach its apiserver.
 */
export function clusterNotAnswering(ref: StackRef, e: unknown): string | undefined {
  if (!(e instanceof ActivityFailure)) return undefined;
  const cause = e.cause;
  if (cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_START')
    return (
      `cluster ${ref.cluster}'s agent is not answering (no worker took the task from ` +
      `${kubernetesTaskQueue(ref.cluster)} within ${AGENT_ANSWER_TIMEOUT_MS / 1000}s); waiting for it`
    );
  if (cause instanceof ApplicationFailure && cause.type === KUBERNETES_UNREACHABLE)
    return `cluster ${ref.cluster}'s apiserver is not answering (${cause.message}); waiting for it`;
  return undefined;
}

/**
 * Runs a Kubernetes call until the cluster answers: while its agent or its
 * apiserver is down, the stack neither fails nor compensates; `wait` says why
 * (and may throw to stop waiting, e.g. when a newer spec arrives), then the call
 * is made again. Any other failure is the caller's, as before.
 */
export async function untilClusterAnswers<T>(
  ref: StackRef,
  call: () => Promise<T>,
  wait: (message: string) => Promise<void>,
): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (e) {
      const message = clusterNotAnswering(ref, e);
      if (message === undefined) throw e;
      await wait(message);
    }
  }
}
