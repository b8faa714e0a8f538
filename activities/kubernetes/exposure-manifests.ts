import type { V1Ingress, V1Service } from '@kubernetes/client-node';
import type { IngressExposure, LoadBalancerExposure, MonitoringStackSpec } from '../../crd/index.js';
import { objectNames, type StackRef } from '../../domain/stack-ref.js';
import { objectMeta, selectorLabels } from './metadata.js';
import { OPERATOR_SERVICE, operatorPodSelector } from './operator-prometheus-manifests.js';
import type { Manifest } from './objects.js';
import { ingressKey, loadBalancerKey } from './stack-objects.js';

/** What exposure points at: the Service in front of Prometheus, and the labels of its pods. */
export interface ExposureTarget {
  service: string;
  selector: Record<string, string>;
}

/** The StatefulSet backend's own Service, or the one prometheus-operator creates. */
export function exposureTarget(ref: StackRef, spec: MonitoringStackSpec): ExposureTarget {
  return spec.prometheus.backend === 'PrometheusOperator'
    ? { service: OPERATOR_SERVICE, selector: operatorPodSelector(ref) }
    : { service: objectNames(ref).service, selector: selectorLabels(ref) };
}

export function ingressManifest(ref: StackRef, ingress: IngressExposure, target: ExposureTarget): Manifest {
  const key = ingressKey(ref);
  const manifest: V1Ingress = {
    apiVersion: key.apiVersion,
    kind: key.kind,
    metadata: objectMeta(ref, key.name),
    spec: {
      ...(ingress.className !== undefined && { ingressClassName: ingress.className }),
      ...(ingress.tlsSecretName !== undefined && {
        tls: [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }],
      }),
      rules: [
        {
          host: ingress.host,
          http: {
            paths: [
              {
                path: ingress.path,
                pathType: 'Prefix',
                backend: { service: { name: target.service, port: { name: 'web' } } },
              },
            ],
          },
        },
      ],
    },
  };
  return manifest as Manifest;
}

export function loadBalancerManifest(
  ref: StackRef,
  lb: LoadBalancerExposure,
  target: ExposureTarget,
): Manifest {
  const key = loadBalancerKey(ref);
  const manifest: V1Service = {
    apiVersion: key.apiVersion,
    kind: key.kind,
    metadata: objectMeta(ref, key.name, lb.annotations),
    spec: {
      type: 'LoadBalancer',
      selector: target.selector,
      ports: [{ name: 'web', port: lb.port, targetPort: 'web', protocol: 'TCP' }],
    },
  };
  return manifest as Manifest;
}
