// Identity of one MonitoringStack and every name derived from it. Pure code:
// workflows, activities, the watcher and the CLI all import it.

import { fnv1a64 } from './fnv.js';

/** Which stack: the cluster it lives in, its namespace/name, and the CR's uid. */
export interface StackRef {
  cluster: string;
  namespace: string;
  name: string;
  /** metadata.uid of the MonitoringStack; absent for a stack started with `apply --direct`. */
  uid: string;
}

/** One long-lived workflow per stack. */
export const stackWorkflowId = (r: Pick<StackRef, 'cluster' | 'namespace' | 'name'>): string =>
  `stack/${r.cluster}/${r.namespace}/${r.name}`;

/** Kubernetes activities run on the task queue of the cluster they act on. */
export const kubernetesTaskQueue = (cluster: string): string => `k8s.${cluster}`;
export const GRAFANA_TASK_QUEUE = 'grafana';
export const WORKFLOW_TASK_QUEUE = 'stackwright';

/** The stack workflow's fire-and-forget drift request, by name: the Grafana sweep sends it from an activity. */
export const DRIFT_CHECK_SIGNAL = 'driftCheck';
/** One drift sweep workflow per Grafana instance. */
export const grafanaSweepWorkflowId = (instance: string): string => `grafana-sweep/${instance}`;

/** Names of the cluster objects a stack owns. */
export function objectNames(r: Pick<StackRef, 'name'>) {
  const base = `${r.name}-prometheus`;
  return {
    serviceAccount: base,
    configMap: base,
    statefulSet: base,
    service: base,
    ingress: base,
    loadBalancer: `${base}-lb`,
  };
}

export function stackLabels(r: Pick<StackRef, 'name'>): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'prometheus',
    'app.kubernetes.io/instance': r.name,
    'app.kubernetes.io/managed-by': 'stackwright',
    'stackwright.dev/stack': r.name,
  };
}

/**
 * The Grafana datasource uid of a stack: deterministic, so a retried create finds
 * its own earlier effect, and distinct per CR incarnation (the uid is hashed in),
 * so a deleted-and-recreated stack never adopts an old datasource. `sw-` + 32 hex
 * characters: 35, inside Grafana's 40-character `[A-Za-z0-9_-]` rule.
 */
export function datasourceUid(r: StackRef): string {
  const key = `${r.cluster}/${r.namespace}/${r.name}/${r.uid}`;
  return `sw-${fnv1a64(key)}${fnv1a64(key, 0x5eedn)}`;
}
