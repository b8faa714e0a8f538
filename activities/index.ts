import type { KubeConfig } from '@kubernetes/client-node';
import { createGrafanaActivities } from './grafana/index.js';
import { createKubernetesActivities } from './kubernetes/index.js';

/**
 * Every activity, from injected clients. Workflows use only this factory's type
 * (`ReturnType<typeof createActivities>`); a worker registers the half its role
 * serves: Kubernetes activities on `k8s.<cluster>`, Grafana ones on `grafana`.
 */
export function createActivities(deps: {
  kube: { kubeConfig: KubeConfig; cluster: string };
  grafana: Parameters<typeof createGrafanaActivities>[0];
}) {
  return { ...createKubernetesActivities(deps.kube), ...createGrafanaActivities(deps.grafana) };
}

export type Activities = ReturnType<typeof createActivities>;
