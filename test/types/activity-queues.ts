// Compile-time checks, run by `npm run typecheck`: each activity proxy offers
// only the activities its task queue serves. Every @ts-expect-error below must
// stay an error, or the type check fails.
import type { grafana, kube } from '../../workflows/activities.js';
import type { StackRef } from '../../domain/stack-ref.js';

export function wrongQueueCallsDoNotCompile(
  k: ReturnType<typeof kube>,
  g: ReturnType<typeof grafana>,
  ref: StackRef,
) {
  void k.applyPrometheus({ ref, spec: undefined as never });
  void g.upsertDatasource(undefined as never);
  // @ts-expect-error a Grafana activity on the Kubernetes queue
  void k.upsertDatasource(undefined as never);
  // @ts-expect-error a Kubernetes activity on the grafana queue
  void g.applyPrometheus({ ref, spec: undefined as never });
  // @ts-expect-error the status writer runs on the cluster's queue, never on grafana
  void g.patchStackStatus({ ref, update: {} });
}
