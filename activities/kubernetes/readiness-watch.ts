import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { asyncLocalStorage } from '@temporalio/activity';
import { checkRef, type KubeContext } from './context.js';
import { prometheusReadiness } from './readiness.js';
import { statefulSetKey } from './stack-objects.js';
import type { AwaitReadinessInput, PrometheusReadiness } from './types.js';

/** Longest single wait: the workflow gets the latest answer at least this often (its deadline, the step message). */
export const MAX_READINESS_WAIT_MS = 25_000;
/** Re-evaluated (and heartbeated) at least this often, also without watch events: pods and events change too. */
const REFRESH_MS = 5_000;

/**
 * Waits until the stack's StatefulSet is ready, as soon as the apiserver says
 * so: a watch on it triggers the same evaluation as `prometheusReadiness`,
 * instead of polls on workflow timers. Heartbeats the latest message, so a worker
 * that dies here is noticed within the heartbeat timeout and another attempt
 * takes over. Returns when ready, or after `waitMs` with the latest answer.
 */
export async function awaitPrometheusReady(
  ctx: KubeContext,
  kubeConfig: KubeConfig,
  input: AwaitReadinessInput,
): Promise<PrometheusReadiness> {
  const { ref, waitMs } = input;
  checkRef(ctx, ref);
  const activity = asyncLocalStorage.getStore();
  let last = await prometheusReadiness(ctx, input);
  if (last.ready) return last;
  activity?.heartbeat(last.message);
  const budget = Math.min(Math.max(waitMs ?? MAX_READINESS_WAIT_MS, 0), MAX_READINESS_WAIT_MS);
  const key = statefulSetKey(ref);

  return new Promise<PrometheusReadiness>((resolve, reject) => {
    let settled = false;
    let dirty = false;
    let evaluating = false;
    let abortWatch: AbortController | undefined;
    const cancelled = activity?.cancellationSignal;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearInterval(refresh);
      cancelled?.removeEventListener('abort', onCancel);
      abortWatch?.abort();
      if (err !== undefined) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(last);
    };
    const onCancel = () => finish(cancelled?.reason ?? new Error('cancelled'));
    const evaluate = async () => {
      dirty = true;
      if (evaluating || settled) return;
      evaluating = true;
      try {
        while (dirty && !settled) {
          dirty = false;
          last = await prometheusReadiness(ctx, input);
          activity?.heartbeat(last.message);
          if (last.ready) finish();
        }
      } catch (e) {
        finish(e);
      } finally {
        evaluating = false;
      }
    };
    const deadline = setTimeout(() => finish(), budget);
    const refresh = setInterval(() => void evaluate(), REFRESH_MS);
    cancelled?.addEventListener('abort', onCancel);
    const connect = () => {
      if (settled) return;
      new Watch(kubeConfig)
        .watch(
          `/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}/statefulsets`,
          { fieldSelector: `metadata.name=${key.name}` },
          () => void evaluate(),
          // A watch that ends early is reopened; the refresh timer covers the gap.
          () => void (settled ? undefined : setTimeout(connect, 500)),
        )
        .then((c) => (settled ? c.abort() : (abortWatch = c)))
        .catch(() => (settled ? undefined : setTimeout(connect, 1000)));
    };
    connect();
    void evaluate(); // a change between the first read and the watch is not missed
  });
}
