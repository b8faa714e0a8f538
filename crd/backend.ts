// Zod-free, so workflow code can use it without loading the schemas (every
// cached workflow evaluates its own copy of each module it imports).

/**
 * Who runs Prometheus. StatefulSet: Stackwright runs its own. PrometheusOperator:
 * Stackwright writes a monitoring.coreos.com/v1 Prometheus and the cluster's
 * prometheus-operator runs it. External: nothing runs in the cluster; the stack
 * only registers exposure.url (an existing Prometheus, a Thanos Query) in Grafana.
 */
export const PROMETHEUS_BACKENDS = ['StatefulSet', 'PrometheusOperator', 'External'] as const;
export type PrometheusBackend = (typeof PROMETHEUS_BACKENDS)[number];

export const BACKEND_IMMUTABLE_MESSAGE =
  'backend is immutable: switching would orphan one Prometheus and start another; create a new MonitoringStack instead';

/**
 * The backend of a spec. Specs recorded in workflow histories before backends
 * existed have none: they are StatefulSet stacks.
 */
export function prometheusBackend(p: { backend?: PrometheusBackend }): PrometheusBackend {
  return p.backend ?? 'StatefulSet';
}
