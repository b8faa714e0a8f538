import { objectNames, type StackRef } from '../../domain/stack-ref.js';
import type { ObjectKey } from './objects.js';

// Every object a stack can own, by name, so deletion and orphaning find them
// without depending on the spec they were created from.

export function ingressKey(ref: StackRef): ObjectKey {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    namespace: ref.namespace,
    name: objectNames(ref).ingress,
  };
}

export function loadBalancerKey(ref: StackRef): ObjectKey {
  return { apiVersion: 'v1', kind: 'Service', namespace: ref.namespace, name: objectNames(ref).loadBalancer };
}

export function statefulSetKey(ref: StackRef): ObjectKey {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    namespace: ref.namespace,
    name: objectNames(ref).statefulSet,
  };
}

/** The monitoring.coreos.com Prometheus of a PrometheusOperator stack: named after the stack. */
export function operatorPrometheusKey(ref: Pick<StackRef, 'namespace' | 'name'>): ObjectKey {
  // Named after the stack; operatorPodSelector relies on it.
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'Prometheus',
    namespace: ref.namespace,
    name: ref.name,
  };
}

/** Prometheus' objects in the order they are created. */
export function prometheusKeys(ref: StackRef): ObjectKey[] {
  const n = objectNames(ref);
  const key = (apiVersion: string, kind: string, name: string): ObjectKey => ({
    apiVersion,
    kind,
    namespace: ref.namespace,
    name,
  });
  return [
    key('v1', 'ServiceAccount', n.serviceAccount),
    key('rbac.authorization.k8s.io/v1', 'Role', n.serviceAccount),
    key('rbac.authorization.k8s.io/v1', 'RoleBinding', n.serviceAccount),
    key('v1', 'ConfigMap', n.configMap),
    key('v1', 'Service', n.service),
    statefulSetKey(ref),
    // PrometheusOperator instead of the ConfigMap, Service and StatefulSet. Every
    // backend's keys are listed, so deletion needs no spec; absent ones are skipped.
    operatorPrometheusKey(ref),
  ];
}

export function exposureKeys(ref: StackRef): ObjectKey[] {
  return [ingressKey(ref), loadBalancerKey(ref)];
}
