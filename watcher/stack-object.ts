import { z } from 'zod';
import type { StackRef } from '../domain/stack-ref.js';

/**
 * A MonitoringStack as the watcher needs it: identity and lifecycle metadata.
 * The spec stays unknown here; parseMonitoringStackSpec judges it, so an
 * invalid spec is reported on the CR rather than dropped as unparsable.
 */
export const WatchedStackSchema = z.object({
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().min(1),
    uid: z.string().min(1),
    generation: z.int().min(0),
    resourceVersion: z.string().min(1),
    deletionTimestamp: z.string().optional(),
    finalizers: z.array(z.string()).optional(),
  }),
  spec: z.unknown(),
  status: z.unknown().optional(),
});

export type WatchedStack = z.output<typeof WatchedStackSchema>;

export const stackKey = (s: { metadata: Pick<WatchedStack['metadata'], 'namespace' | 'name'> }): string =>
  `${s.metadata.namespace}/${s.metadata.name}`;

export const stackRef = (cluster: string, s: WatchedStack): StackRef => ({
  cluster,
  namespace: s.metadata.namespace,
  name: s.metadata.name,
  uid: s.metadata.uid,
});
