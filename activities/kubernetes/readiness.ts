import { z } from 'zod';
import type { StackRef } from '../../domain/stack-ref.js';
import { ConditionSchema } from './condition-schema.js';
import { checkRef, parseSpec, type KubeContext } from './context.js';
import { parseResponse } from './failure.js';
import { operatorPrometheusReadiness } from './operator-prometheus.js';
import { labelSelector, selectorLabels } from './metadata.js';
import { statefulSetKey } from './stack-objects.js';
import type { PrometheusReadiness, ReadinessInput } from './types.js';

// Only the fields readiness depends on. client-node turns timestamps of known
// kinds into Date objects and leaves others as strings: accept both.
const time = z.union([z.date(), z.string()]).transform((t) => new Date(t).getTime());

const StatefulSetSchema = z.object({
  metadata: z.object({ generation: z.number().optional() }),
  spec: z.object({ replicas: z.number().optional() }),
  status: z
    .object({
      observedGeneration: z.number().optional(),
      replicas: z.number().optional(),
      readyReplicas: z.number().optional(),
      updatedReplicas: z.number().optional(),
      updateRevision: z.string().optional(),
    })
    .optional(),
});

export const PodSchema = z.object({
  metadata: z.object({
    name: z.string(),
    deletionTimestamp: time.nullish(),
    deletionGracePeriodSeconds: z.number().nullish(),
    labels: z.record(z.string(), z.string()).optional(),
    ownerReferences: z.array(z.object({ kind: z.string(), uid: z.string() })).optional(),
  }),
  status: z
    .object({
      phase: z.string().optional(),
      conditions: z.array(ConditionSchema).optional(),
      containerStatuses: z
        .array(
          z.object({
            name: z.string(),
            ready: z.boolean(),
            state: z
              .object({
                waiting: z
                  .object({ reason: z.string().optional(), message: z.string().optional() })
                  .optional(),
              })
              .optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

const ClaimSchema = z.object({
  metadata: z.object({ name: z.string() }),
  status: z.object({ phase: z.string().optional() }).optional(),
});

const EventSchema = z.object({
  message: z.string().optional(),
  lastTimestamp: time.nullish(),
  eventTime: time.nullish(),
  metadata: z.object({ creationTimestamp: time.optional() }),
});

const MAX_PART = 400;
const clip = (s: string) => (s.length <= MAX_PART ? s : `${s.slice(0, MAX_PART - 1)}…`);

const parseAll = <T extends z.ZodType>(schema: T, items: unknown[], operation: string): z.output<T>[] =>
  parseResponse(z.array(schema), items, operation);

/** Why a pod is not ready, when the pod itself says so. */
function podProblem(pod: z.output<typeof PodSchema>): string | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') {
    return `pod ${pod.metadata.name} cannot be scheduled (${scheduled.reason ?? 'Unschedulable'}): ${scheduled.message ?? ''}`;
  }
  for (const c of pod.status?.containerStatuses ?? []) {
    const w = c.state?.waiting;
    if (!c.ready && w?.reason && w.reason !== 'ContainerCreating') {
      return `pod ${pod.metadata.name}: container ${c.name} is ${w.reason}${w.message ? `: ${w.message}` : ''}`;
    }
  }
  return undefined;
}

/**
 * StatefulSet progress, and when it is stuck, the reasons people look for:
 * unschedulable pods, failing containers, Pending claims and the StatefulSet's
 * own warnings (e.g. pods refused by admission), with the latest warning event
 * of each.
 */
async function statefulSetReadiness(ctx: KubeContext, ref: StackRef): Promise<PrometheusReadiness> {
  const key = statefulSetKey(ref);
  const found = await ctx.objects.read(key);
  if (!found) {
    return { ready: false, replicas: 0, readyReplicas: 0, message: `StatefulSet ${key.name} does not exist` };
  }
  const { metadata, spec, status } = parseResponse(
    StatefulSetSchema,
    found.object,
    `read StatefulSet ${key.name}`,
  );
  const replicas = spec.replicas ?? 1;
  const readyReplicas = status?.readyReplicas ?? 0;
  const updated = status?.updatedReplicas ?? 0;
  const observed = (status?.observedGeneration ?? 0) >= (metadata.generation ?? 0);
  const ready =
    observed && readyReplicas === replicas && updated === replicas && (status?.replicas ?? 0) === replicas;

  const progress = `${readyReplicas}/${replicas} replicas ready`;
  if (ready) return { ready, replicas, readyReplicas, message: progress };

  // Scaling down: surplus pods count as ready until their grace period ends.
  // Ready already if enough pods of the current revision, not terminating, are.
  const surplus = (status?.replicas ?? 0) - replicas;
  if (observed && surplus > 0 && updated >= replicas && status?.updateRevision) {
    const current = await readyCurrentPods(ctx, ref, status.updateRevision);
    if (current >= replicas) {
      return {
        ready: true,
        replicas,
        readyReplicas: current,
        message: `${replicas}/${replicas} replicas ready (${surplus} surplus terminating)`,
      };
    }
  }

  const parts = [progress];
  if (!observed) parts.push('the StatefulSet controller has not processed the latest spec yet');
  else if (updated < replicas) parts.push(`${updated}/${replicas} running the current spec`);
  parts.push(...(await stuckReasons(ctx, ref, key.name, found.meta.uid, replicas)));
  return { ready, replicas, readyReplicas, message: parts.map(clip).join('; ') };
}

/** Readiness by backend: the StatefulSet's, prometheus-operator's word, or nothing to wait for (External). */
export async function prometheusReadiness(
  ctx: KubeContext,
  input: ReadinessInput,
): Promise<PrometheusReadiness> {
  const { ref } = input;
  checkRef(ctx, ref);
  const backend = input.spec === undefined ? 'StatefulSet' : parseSpec(ref, input.spec).prometheus.backend;
  switch (backend) {
    case 'StatefulSet':
      return statefulSetReadiness(ctx, ref);
    case 'PrometheusOperator':
      return operatorPrometheusReadiness(ctx, ref);
    case 'External':
      return { ready: true, replicas: 0, readyReplicas: 0, message: 'External: nothing runs in the cluster' };
  }
}

async function readyCurrentPods(ctx: KubeContext, ref: StackRef, revision: string): Promise<number> {
  const items = await ctx.objects.list('v1', 'Pod', ref.namespace, {
    label: labelSelector(selectorLabels(ref)),
  });
  return parseAll(PodSchema, items, `list pods of ${ref.name}`).filter(
    (p) =>
      !p.metadata.deletionTimestamp &&
      p.metadata.labels?.['controller-revision-hash'] === revision &&
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
}

/**
 * A pod of an earlier incarnation of this stack (deleted and re-created under
 * the same name) still terminating: it holds the pod name the StatefulSet needs.
 */
function leftoverPod(pod: z.output<typeof PodSchema>, statefulSetUid: string): string | undefined {
  const { name, deletionTimestamp: at, ownerReferences } = pod.metadata;
  if (!at || ownerReferences?.some((o) => o.uid === statefulSetUid)) return undefined;
  const left = Math.max(0, Math.round((at - Date.now()) / 1000));
  return (
    `pod ${name} is left over from an earlier StatefulSet of the same name and is still terminating ` +
    `(its grace period ends in ${left}s); the StatefulSet creates its own pod once it is gone`
  );
}

async function stuckReasons(
  ctx: KubeContext,
  ref: StackRef,
  statefulSet: string,
  statefulSetUid: string,
  replicas: number,
) {
  const { namespace } = ref;
  const selector = { label: labelSelector(selectorLabels(ref)) };
  const [podItems, claimItems] = await Promise.all([
    ctx.objects.list('v1', 'Pod', namespace, selector),
    ctx.objects.list('v1', 'PersistentVolumeClaim', namespace, selector),
  ]);
  const pods = parseAll(PodSchema, podItems, `list pods of ${statefulSet}`);
  const pending = parseAll(ClaimSchema, claimItems, `list claims of ${statefulSet}`).filter(
    (c) => c.status?.phase === 'Pending',
  );

  const reasons = pods
    .map((p) => leftoverPod(p, statefulSetUid) ?? podProblem(p))
    .filter((p): p is string => p !== undefined);
  // Events name the causes objects do not carry: a missing StorageClass, a pod refused at creation.
  const stuck: { kind: string; name: string; what: string }[] = pending.map((c) => ({
    kind: 'PersistentVolumeClaim',
    name: c.metadata.name,
    what: `PersistentVolumeClaim ${c.metadata.name} is Pending`,
  }));
  if (pods.length < replicas) {
    stuck.push({ kind: 'StatefulSet', name: statefulSet, what: `${pods.length}/${replicas} pods exist` });
  }
  const explained = await Promise.all(
    stuck.map(async (o) => {
      const warning = await latestWarning(ctx, namespace, o.kind, o.name);
      return warning ? `${o.what}: ${warning}` : o.what;
    }),
  );
  reasons.push(...explained);
  return reasons;
}

/** Message of the newest Warning event about one object, if any. */
async function latestWarning(ctx: KubeContext, namespace: string, kind: string, name: string) {
  const field = `type=Warning,involvedObject.kind=${kind},involvedObject.name=${name}`;
  const events = parseAll(
    EventSchema,
    await ctx.objects.list('v1', 'Event', namespace, { field }),
    `list events of ${kind} ${name}`,
  );
  let latest: { at: number; message: string } | undefined;
  for (const e of events) {
    const at = e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? 0;
    if (e.message && (!latest || at >= latest.at)) latest = { at, message: e.message };
  }
  return latest?.message;
}
