import { patched } from '@temporalio/workflow';
import type { DeleteResult } from '../activities/kubernetes/types.js';
import type { StackRef } from '../domain/stack-ref.js';
import { kube, kubeWaiting } from './activities.js';
import { stepFailure } from './errors.js';

/**
 * Deletes Prometheus' objects and returns only once nothing of them is left:
 * a stack re-created under the same name reuses the pod and claim names, and
 * would otherwise wait for the old pods' grace period. `waiting` is told what
 * is still there before the wait; the wait is bounded by `timeoutMs`.
 */
export async function removePrometheus(
  ref: StackRef,
  timeoutMs: number,
  waiting: (message: string) => Promise<void>,
): Promise<DeleteResult> {
  const where = `${ref.namespace}/${ref.name}`;
  const r = await kube(ref, `delete Prometheus objects ${where}`).deletePrometheus({ ref });
  // Histories recorded before the wait existed replay without it.
  if (!patched('wait-until-prometheus-gone') || r.remaining.length === 0) return { deleted: r.deleted };
  await waiting(`waiting until ${r.remaining.join(', ')} ${r.remaining.length > 1 ? 'are' : 'is'} gone`);
  const w = await kubeWaiting(ref, `wait until Prometheus ${where} is gone`, timeoutMs).waitPrometheusGone({
    ref,
    timeoutMs,
  });
  if (!w.gone) {
    throw stepFailure(
      'DeletionDeadlineExceeded',
      `Prometheus ${where} not gone within ${timeoutMs / 1000}s: ${w.remaining.join(', ')} still there`,
    );
  }
  return { deleted: r.deleted };
}
