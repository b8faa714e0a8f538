import { asyncLocalStorage } from '@temporalio/activity';
import { z } from 'zod';
import type { StackRef } from '../../domain/stack-ref.js';
import { checkRef, type KubeContext } from './context.js';
import { parseResponse } from './failure.js';
import { labelSelector, selectorLabels } from './metadata.js';
import { PodSchema } from './readiness.js';
import { operatorPrometheusKey, statefulSetKey } from './stack-objects.js';
import type { WaitGoneInput, WaitGoneResult } from './types.js';

const POLL_MS = 500;

const ClaimSchema = z.object({
  metadata: z.object({ name: z.string(), deletionTimestamp: z.unknown().optional() }),
});

/** Seconds until a time (a pod's deletionTimestamp is when its grace period ends). */
const secondsUntil = (ms: number) => `${Math.max(0, Math.round((ms - Date.now()) / 1000))}s`;

/**
 * What is left of a deleted Prometheus: the StatefulSet (or prometheus-operator's
 * Prometheus resource) while its foreground deletion waits for its pods, its pods (terminating or not yet), and claims
 * being deleted. A re-created stack of the same name reuses these names, so it
 * can start only once this list is empty.
 */
export async function prometheusLeftovers(ctx: KubeContext, ref: StackRef): Promise<string[]> {
  const selector = { label: labelSelector(selectorLabels(ref)) };
  const key = statefulSetKey(ref);
  const operated = operatorPrometheusKey(ref);
  const [sts, prometheus, podItems, claimItems] = await Promise.all([
    ctx.objects.read(key),
    ctx.objects.read(operated),
    ctx.objects.list('v1', 'Pod', ref.namespace, selector),
    ctx.objects.list('v1', 'PersistentVolumeClaim', ref.namespace, selector),
  ]);
  const left: string[] = [];
  if (sts) left.push(`StatefulSet ${key.name}${sts.meta.deletionTimestamp ? ' (deleting)' : ''}`);
  if (prometheus) {
    left.push(`Prometheus ${operated.name}${prometheus.meta.deletionTimestamp ? ' (deleting)' : ''}`);
  }
  for (const p of parseResponse(z.array(PodSchema), podItems, `list pods of ${key.name}`)) {
    const { name, deletionTimestamp: at, deletionGracePeriodSeconds: grace } = p.metadata;
    left.push(
      at
        ? `pod ${name} (terminating; grace period${grace ? ` of ${grace}s` : ''} ends in ${secondsUntil(at)})`
        : `pod ${name}`,
    );
  }
  for (const c of parseResponse(z.array(ClaimSchema), claimItems, `list claims of ${key.name}`)) {
    if (c.metadata.deletionTimestamp) left.push(`PersistentVolumeClaim ${c.metadata.name} (deleting)`);
  }
  return left;
}

/**
 * Waits, inside the activity (which heartbeats), until nothing of the deleted
 * Prometheus is left or `timeoutMs` passes; reports what is still there.
 */
export async function waitPrometheusGone(ctx: KubeContext, input: WaitGoneInput): Promise<WaitGoneResult> {
  const { ref, timeoutMs } = input;
  checkRef(ctx, ref);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = await prometheusLeftovers(ctx, ref);
    if (remaining.length === 0) return { gone: true, remaining };
    if (Date.now() >= deadline) return { gone: false, remaining };
    await pause(POLL_MS);
  }
}

/** A pause that ends early when Temporal cancels the activity. */
function pause(ms: number): Promise<void> {
  const cancelled = asyncLocalStorage.getStore()?.cancellationSignal;
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    cancelled?.addEventListener('abort', () => (clearTimeout(t), reject(cancelled.reason as Error)), {
      once: true,
    });
  });
}
