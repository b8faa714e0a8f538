/**
 * A Kubernetes Event about a MonitoringStack, as the workflows ask for it: what
 * `kubectl describe mstack` shows. The status writer records it (events.k8s.io/v1);
 * repeats of the same event are one Event with a growing series count.
 */
export interface StackEvent {
  type: 'Normal' | 'Warning';
  /** CamelCase, why (e.g. ProvisioningStarted, DatasourceUnhealthy). */
  reason: string;
  /** CamelCase, what was done or failed (e.g. Provision, RegisterDatasource, Teardown). */
  action: string;
  /** Human-readable; cut to 1 kB. */
  note: string;
}

/** `registerDatasource` → `RegisterDatasource`, for Event actions and reasons. */
export const camelWord = (s: string): string =>
  s.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_m, _sep: string, c: string) => c.toUpperCase());
