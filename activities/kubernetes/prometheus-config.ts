import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { MonitoringStackSpec } from '../../crd/index.js';
import type { StackRef } from '../../domain/stack-ref.js';

export const PROMETHEUS_PORT = 9090;

/**
 * Path prefix Prometheus serves under. Behind an Ingress with a path other than
 * "/", Prometheus itself must serve under that path (Ingress does not rewrite
 * paths portably), so probes, self-scrape and the internal URL use it too.
 */
export function routePrefix(spec: Pick<MonitoringStackSpec, 'exposure'>): string {
  const path = spec.exposure.ingress?.path ?? '/';
  return path.replace(/\/+$/, '');
}

/**
 * prometheus.yml: scrape itself, and pods in its own namespace that opt in with
 * `prometheus.io/scrape: "true"`. External labels name the stack (cluster,
 * namespace, stack), so federation, remote-write and cross-cluster dashboards
 * tell one cluster's series from another's.
 */
export function prometheusConfig(
  ref: Pick<StackRef, 'cluster' | 'namespace' | 'name'>,
  prefix: string,
): string {
  const namespace = ref.namespace;
  const annotation = (name: string) => `__meta_kubernetes_pod_annotation_prometheus_io_${name}`;
  const config = {
    global: {
      scrape_interval: '30s',
      evaluation_interval: '30s',
      external_labels: { cluster: ref.cluster, namespace, stack: ref.name },
    },
    scrape_configs: [
      {
        job_name: 'prometheus',
        metrics_path: `${prefix}/metrics`,
        static_configs: [{ targets: [`localhost:${PROMETHEUS_PORT}`] }],
      },
      {
        job_name: 'kubernetes-pods',
        // The Role grants access to this namespace only, so discovery must not look further.
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [namespace] } }],
        relabel_configs: [
          { source_labels: [annotation('scrape')], action: 'keep', regex: 'true' },
          {
            source_labels: ['__meta_kubernetes_pod_phase'],
            action: 'drop',
            regex: 'Pending|Succeeded|Failed',
          },
          {
            source_labels: [annotation('scheme')],
            action: 'replace',
            regex: '(https?)',
            target_label: '__scheme__',
          },
          {
            source_labels: [annotation('path')],
            action: 'replace',
            regex: '(.+)',
            target_label: '__metrics_path__',
          },
          // The port annotation replaces the discovered port, for IPv6 and IPv4 pod IPs
          // (the two rules of Prometheus' own Kubernetes example).
          {
            source_labels: [annotation('port'), '__meta_kubernetes_pod_ip'],
            action: 'replace',
            regex: '(\\d+);(([A-Fa-f0-9]{1,4}::?){1,7}[A-Fa-f0-9]{1,4})',
            replacement: '[$2]:$1',
            target_label: '__address__',
          },
          {
            source_labels: [annotation('port'), '__meta_kubernetes_pod_ip'],
            action: 'replace',
            regex: '(\\d+);((([0-9]+?)(\\.|$)){4})',
            replacement: '$2:$1',
            target_label: '__address__',
          },
          { action: 'labelmap', regex: '__meta_kubernetes_pod_label_(.+)' },
          { source_labels: ['__meta_kubernetes_namespace'], action: 'replace', target_label: 'namespace' },
          { source_labels: ['__meta_kubernetes_pod_name'], action: 'replace', target_label: 'pod' },
        ],
      },
    ],
  };
  return stringify(config, { lineWidth: 0 });
}

/** Short stable digest; as a pod-template annotation it rolls the pods when the config changes. */
export function configHash(config: string): string {
  return createHash('sha256').update(config).digest('hex').slice(0, 16);
}
