import type { MonitoringStackSpec, OperatorPrometheusSpec } from '../../crd/index.js';
import { objectNames, type StackRef } from '../../domain/stack-ref.js';
import { objectMeta } from './metadata.js';
import type { Manifest } from './objects.js';
import { PROMETHEUS_PORT, routePrefix } from './prometheus-config.js';
import { PROMETHEUS_TERMINATION_GRACE_SECONDS, prometheusRbac } from './prometheus-manifests.js';
import { operatorPrometheusKey } from './stack-objects.js';

/** The governing Service prometheus-operator creates for the Prometheus servers of a namespace. */
export const OPERATOR_SERVICE = 'prometheus-operated';
// The `nobody` user of the upstream image, as for the StatefulSet backend.
const NOBODY = 65534;

/** Labels prometheus-operator puts on the pods of one Prometheus: what a LoadBalancer selects. */
export function operatorPodSelector(ref: Pick<StackRef, 'name'>): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'prometheus',
    'operator.prometheus.io/name': operatorPrometheusKey(ref as StackRef).name,
  };
}

export function operatorInternalUrl(ref: StackRef, spec: Pick<MonitoringStackSpec, 'exposure'>): string {
  return `http://${OPERATOR_SERVICE}.${ref.namespace}.svc:${PROMETHEUS_PORT}${routePrefix(spec)}`;
}

/**
 * ServiceAccount and Role for Prometheus' service discovery in its own namespace,
 * then the Prometheus resource. ServiceMonitors and PodMonitors are selected in
 * the stack's namespace only: the namespace selectors are left unset, which
 * prometheus-operator reads as "the Prometheus' own namespace".
 */
export function operatorPrometheusManifests(
  ref: StackRef,
  spec: MonitoringStackSpec,
  p: OperatorPrometheusSpec,
): { manifests: Manifest[]; internalUrl: string } {
  const key = operatorPrometheusKey(ref);
  const prefix = routePrefix(spec);
  const rbac = prometheusRbac(ref);
  const stackLabel = { 'stackwright.dev/stack': ref.name };
  const prometheus: Manifest = {
    apiVersion: key.apiVersion,
    kind: key.kind,
    metadata: objectMeta(ref, key.name),
    spec: {
      replicas: p.replicas,
      version: p.version,
      ...(p.image !== undefined && { image: p.image }),
      retention: p.retention,
      ...(p.resources && { resources: p.resources }),
      // Our stack label on pods and claims, so deletion finds what is left of them as for StatefulSet stacks.
      podMetadata: { labels: stackLabel },
      ...(p.storage && {
        storage: {
          volumeClaimTemplate: {
            metadata: { labels: stackLabel },
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: p.storage.size } },
              ...(p.storage.storageClassName !== undefined && {
                storageClassName: p.storage.storageClassName,
              }),
            },
          },
        },
      }),
      serviceAccountName: objectNames(ref).serviceAccount,
      serviceMonitorSelector: p.serviceMonitorSelector ?? {},
      podMonitorSelector: p.podMonitorSelector ?? {},
      // Distinct series across clusters, as for StatefulSet stacks.
      externalLabels: { cluster: ref.cluster, namespace: ref.namespace, stack: ref.name },
      ...(prefix !== '' && { routePrefix: prefix }),
      securityContext: { runAsNonRoot: true, runAsUser: NOBODY, runAsGroup: NOBODY, fsGroup: NOBODY },
      // prometheus-operator's default is 600 s, which would hold undo and teardown for ten minutes.
      terminationGracePeriodSeconds: PROMETHEUS_TERMINATION_GRACE_SECONDS,
    },
  } as Manifest;
  return { manifests: [...rbac, prometheus], internalUrl: operatorInternalUrl(ref, spec) };
}
