import { z } from 'zod';
import type { MonitoringStackSpec, OperatorPrometheusSpec } from '../../crd/index.js';
import type { StackRef } from '../../domain/stack-ref.js';
import { ConditionSchema } from './condition-schema.js';
import type { KubeContext } from './context.js';
import { isNotFound } from '../../kube/errors.js';
import { failure, nonRetryable, parseResponse } from './failure.js';
import { operatorPrometheusManifests } from './operator-prometheus-manifests.js';
import { applyAll } from './apply-all.js';
import { operatorPrometheusKey } from './stack-objects.js';
import type { ApplyPrometheusResult, PrometheusReadiness } from './types.js';

// backend PrometheusOperator: Stackwright writes a monitoring.coreos.com/v1
// Prometheus; the cluster's prometheus-operator runs it (StatefulSet, the
// `prometheus-operated` Service, the generated config Secret).

export const MONITORING_GROUP = 'monitoring.coreos.com';
const MONITORING_VERSION = 'v1';
/** What a PrometheusOperator stack needs served; the monitors are what teams select with. */
const REQUIRED = ['prometheuses'];
const ALSO_USED = ['servicemonitors', 'podmonitors'];

/**
 * Fails for good, before anything is written, when the apiserver does not serve
 * the Prometheus resource: retrying cannot install prometheus-operator.
 */
export async function requireOperatorCrds(ctx: KubeContext): Promise<void> {
  const served = await servedResources(ctx);
  const missing = [...REQUIRED, ...ALSO_USED].filter((r) => !served.includes(r));
  if (!REQUIRED.some((r) => missing.includes(r))) return;
  const crds = missing.map((r) => `${r}.${MONITORING_GROUP}`).join(', ');
  throw nonRetryable(
    `backend PrometheusOperator needs prometheus-operator's CRDs, but cluster ${ctx.cluster} does not serve ` +
      `${MONITORING_GROUP}/${MONITORING_VERSION} ${missing.join(', ')} (missing CustomResourceDefinitions: ${crds}). ` +
      'Install prometheus-operator in this cluster, or use backend StatefulSet.',
    'PrometheusOperatorCRDsMissing',
  );
}

const ResourceListSchema = z.object({ resources: z.array(z.object({ name: z.string() })) });

/** Plural names the apiserver serves in monitoring.coreos.com/v1; none when the group is absent. */
async function servedResources(ctx: KubeContext): Promise<string[]> {
  const op = `discover ${MONITORING_GROUP}/${MONITORING_VERSION}`;
  let list: unknown;
  try {
    list = await ctx.custom.getAPIResources({ group: MONITORING_GROUP, version: MONITORING_VERSION });
  } catch (err) {
    if (isNotFound(err)) return [];
    throw failure(op, err);
  }
  return parseResponse(ResourceListSchema, list, op).resources.map((r) => r.name);
}

export async function applyOperatorPrometheus(
  ctx: KubeContext,
  ref: StackRef,
  spec: MonitoringStackSpec,
  p: OperatorPrometheusSpec,
): Promise<ApplyPrometheusResult> {
  await requireOperatorCrds(ctx);
  const { manifests, internalUrl } = operatorPrometheusManifests(ref, spec, p);
  return { internalUrl, changed: await applyAll(ctx, ref, manifests) };
}

// Only the fields readiness depends on (prometheus-operator's PrometheusStatus).
const PrometheusObjectSchema = z.object({
  metadata: z.object({ generation: z.number().optional() }),
  spec: z.object({ replicas: z.number().optional() }).optional(),
  status: z
    .object({
      replicas: z.number().optional(),
      availableReplicas: z.number().optional(),
      updatedReplicas: z.number().optional(),
      conditions: z.array(ConditionSchema.extend({ observedGeneration: z.number().optional() })).optional(),
    })
    .optional(),
});

/**
 * Ready when prometheus-operator says so for the current generation: the
 * Available condition True, and every replica available and updated. Otherwise
 * the reason and message prometheus-operator gives.
 */
export async function operatorPrometheusReadiness(
  ctx: KubeContext,
  ref: StackRef,
): Promise<PrometheusReadiness> {
  const key = operatorPrometheusKey(ref);
  const found = await ctx.objects.read(key);
  if (!found)
    return { ready: false, replicas: 0, readyReplicas: 0, message: `Prometheus ${key.name} does not exist` };
  const o = parseResponse(PrometheusObjectSchema, found.object, `read Prometheus ${key.name}`);
  const replicas = o.spec?.replicas ?? 1;
  const available = o.status?.availableReplicas ?? 0;
  const updated = o.status?.updatedReplicas ?? 0;
  const generation = o.metadata.generation ?? 0;
  const conditions = o.status?.conditions ?? [];
  const current = (type: string) =>
    conditions.find((c) => c.type === type && (c.observedGeneration ?? 0) >= generation);
  const availability = current('Available');
  const progress = `${available}/${replicas} replicas available`;
  if (availability?.status === 'True' && available >= replicas && updated >= replicas) {
    return { ready: true, replicas, readyReplicas: available, message: progress };
  }
  const parts = [progress];
  if (!availability) {
    parts.push(
      `prometheus-operator has not reported on generation ${generation} yet (is it running, and watching namespace ${ref.namespace}?)`,
    );
  } else {
    const said = (c: NonNullable<typeof availability>) =>
      `${c.type} is ${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`;
    parts.push(said(availability));
    const reconciled = current('Reconciled');
    if (reconciled && reconciled.status !== 'True') parts.push(said(reconciled));
  }
  return { ready: false, replicas, readyReplicas: available, message: parts.join('; ') };
}
