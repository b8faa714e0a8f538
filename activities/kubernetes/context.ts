import type { CustomObjectsApi, EventsV1Api } from '@kubernetes/client-node';
import { z } from 'zod';
import { MonitoringStackSpecSchema, type MonitoringStackSpec } from '../../crd/index.js';
import type { StackRef } from '../../domain/stack-ref.js';
import { nonRetryable } from './failure.js';
import type { Objects } from './objects.js';

/** What every activity of one cluster shares. */
export interface KubeContext {
  /** Name of the cluster this worker acts on (StackRef.cluster). */
  cluster: string;
  objects: Objects;
  custom: CustomObjectsApi;
  /** Events about MonitoringStacks, written with the status. */
  events: EventsV1Api;
  /** events.k8s.io reportingInstance: this worker process. */
  reportingInstance: string;
}

/**
 * Activities run on the task queue of their cluster; a ref for another cluster
 * means a routing bug, and acting on it would touch the wrong cluster.
 */
export function checkRef(ctx: KubeContext, ref: StackRef): void {
  if (ref.cluster !== ctx.cluster) {
    throw nonRetryable(
      `stack ${ref.namespace}/${ref.name} belongs to cluster ${ref.cluster}, but this worker acts on cluster ${ctx.cluster}`,
      'WrongCluster',
    );
  }
}

/** Activity inputs arrive as untyped JSON: parse the spec again rather than trust it. */
export function parseSpec(ref: StackRef, spec: unknown): MonitoringStackSpec {
  const r = MonitoringStackSpecSchema.safeParse(spec);
  if (!r.success) {
    throw nonRetryable(
      `spec of ${ref.namespace}/${ref.name} is invalid: ${z.prettifyError(r.error)}`,
      'InvalidSpec',
    );
  }
  return r.data;
}
