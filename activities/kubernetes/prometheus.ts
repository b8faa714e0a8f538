import { ApplicationFailure } from '@temporalio/common';
import { objectNames, type StackRef } from '../../domain/stack-ref.js';
import type { MonitoringStackSpec } from '../../crd/index.js';
import { checkRef, parseSpec, type KubeContext } from './context.js';
import { shortName, type Manifest, keyOf } from './objects.js';
import { PROMETHEUS_PORT, routePrefix } from './prometheus-config.js';
import { prometheusManifests } from './prometheus-manifests.js';
import { prometheusKeys } from './stack-objects.js';
import { prometheusLeftovers } from './prometheus-gone.js';
import type { ApplyPrometheusResult, DeletePrometheusResult, SpecInput, StackInput } from './types.js';

export function internalUrl(ref: StackRef, spec: Pick<MonitoringStackSpec, 'exposure'>): string {
  return `http://${objectNames(ref).service}.${ref.namespace}.svc:${PROMETHEUS_PORT}${routePrefix(spec)}`;
}

/** Applies the manifests one by one, in order; returns `Kind/name` of those created or changed. */
export async function applyAll(ctx: KubeContext, ref: StackRef, manifests: Manifest[]): Promise<string[]> {
  const changed: string[] = [];
  for (const m of manifests) {
    const r = await applyOrRecreate(ctx, ref, m);
    if (r.changed) changed.push(shortName(keyOf(m)));
  }
  return changed;
}

const IMMUTABLE_STATEFULSET = /updates to statefulset spec for fields other than/;

/**
 * A StatefulSet's volumeClaimTemplates (storage size or class) cannot be
 * updated in place. Delete it with Orphan propagation, so its pods keep serving
 * and are adopted by the new one, then create it again with the new spec.
 */
async function applyOrRecreate(ctx: KubeContext, ref: StackRef, m: Manifest) {
  try {
    return await ctx.objects.apply(m, ref.name);
  } catch (e) {
    if (
      m.kind !== 'StatefulSet' ||
      !(e instanceof ApplicationFailure) ||
      !IMMUTABLE_STATEFULSET.test(e.message)
    )
      throw e;
    const key = keyOf(m);
    await ctx.objects.delete(key, ref.name, 'Orphan');
    for (let i = 0; i < 100 && (await ctx.objects.read(key)); i++)
      await new Promise((r) => setTimeout(r, 100));
    const r = await ctx.objects.apply(m, ref.name);
    return { ...r, changed: true };
  }
}

export async function applyPrometheus(ctx: KubeContext, input: SpecInput): Promise<ApplyPrometheusResult> {
  const { ref } = input;
  checkRef(ctx, ref);
  const spec = parseSpec(ref, input.spec);
  const p = spec.prometheus;
  switch (p.backend) {
    case 'StatefulSet':
      return {
        internalUrl: internalUrl(ref, spec),
        changed: await applyAll(ctx, ref, prometheusManifests(ref, spec, p)),
      };
    case 'External':
      // Nothing runs in the cluster for an External stack: nothing to apply.
      return { internalUrl: spec.exposure.url ?? '', changed: [] };
  }
}

/**
 * Deletes in reverse creation order: the StatefulSet first, in the foreground, so
 * it exists until its pods and claims are gone; its permissions last. Reports what
 * is still there (waitPrometheusGone waits for it).
 */
export async function deletePrometheus(
  ctx: KubeContext,
  { ref }: StackInput,
): Promise<DeletePrometheusResult> {
  checkRef(ctx, ref);
  const deleted: string[] = [];
  for (const key of prometheusKeys(ref).reverse()) {
    const policy = key.kind === 'StatefulSet' ? 'Foreground' : 'Background';
    if (await ctx.objects.delete(key, ref.name, policy)) deleted.push(shortName(key));
  }
  return { deleted, remaining: await prometheusLeftovers(ctx, ref) };
}
