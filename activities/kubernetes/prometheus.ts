import { objectNames, type StackRef } from '../../domain/stack-ref.js';
import type { MonitoringStackSpec } from '../../crd/index.js';
import { checkRef, parseSpec, type KubeContext } from './context.js';
import { applyAll } from './apply-all.js';
import { shortName } from './objects.js';
import { PROMETHEUS_PORT, routePrefix } from './prometheus-config.js';
import { applyOperatorPrometheus } from './operator-prometheus.js';
import { prometheusManifests } from './prometheus-manifests.js';
import { prometheusKeys } from './stack-objects.js';
import { prometheusLeftovers } from './prometheus-gone.js';
import type { ApplyPrometheusResult, DeletePrometheusResult, SpecInput, StackInput } from './types.js';

export function internalUrl(ref: StackRef, spec: Pick<MonitoringStackSpec, 'exposure'>): string {
  return `http://${objectNames(ref).service}.${ref.namespace}.svc:${PROMETHEUS_PORT}${routePrefix(spec)}`;
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
    case 'PrometheusOperator':
      return applyOperatorPrometheus(ctx, ref, spec, p);
    case 'External':
      // Nothing runs in the cluster for an External stack: nothing to apply.
      return { internalUrl: spec.exposure.url ?? '', changed: [] };
  }
}

/**
 * Deletes in reverse creation order: the StatefulSet (or the Prometheus resource
 * of a PrometheusOperator stack) first, in the foreground, so it exists until
 * its pods and claims are gone; its permissions last. Every backend's objects,
 * so no spec is needed. Reports what is still there (waitPrometheusGone waits for it).
 */
export async function deletePrometheus(
  ctx: KubeContext,
  { ref }: StackInput,
): Promise<DeletePrometheusResult> {
  checkRef(ctx, ref);
  const deleted: string[] = [];
  for (const key of prometheusKeys(ref).reverse()) {
    const policy = key.kind === 'StatefulSet' || key.kind === 'Prometheus' ? 'Foreground' : 'Background';
    if (await ctx.objects.delete(key, ref.name, policy)) deleted.push(shortName(key));
  }
  return { deleted, remaining: await prometheusLeftovers(ctx, ref) };
}
