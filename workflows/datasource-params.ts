import { datasourceName } from '../crd/datasource-name.js';
import type { MonitoringStackSpec } from '../crd/spec.js';
import { datasourceUid, type StackRef } from '../domain/stack-ref.js';

/** Datasource fields as Stackwright owns them, derived from a spec. */
export function datasourceParams(ref: StackRef, spec: MonitoringStackSpec, url: string) {
  return {
    instance: spec.grafana.instance,
    orgId: spec.grafana.orgId,
    uid: datasourceUid(ref),
    name: datasourceName({ metadata: ref, spec }, ref.cluster),
    url,
    isDefault: spec.grafana.isDefault,
    jsonData: spec.grafana.jsonData ?? {},
  };
}
