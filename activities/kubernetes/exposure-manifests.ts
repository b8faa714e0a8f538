import type { V1Ingress, V1Service } from '@kubernetes/client-node';
import type { IngressExposure, LoadBalancerExposure } from '../../crd/index.js';
import { objectNames, type StackRef } from '../../domain/stack-ref.js';
import { objectMeta, selectorLabels } from './metadata.js';
import type { Manifest } from './objects.js';
import { ingressKey, loadBalancerKey } from './stack-objects.js';

export function ingressManifest(ref: StackRef, ingress: IngressExposure): Manifest {
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
                backend: { service: { name: objectNames(ref).service, port: { name: 'web' } } },
              },
            ],
          },
        },
      ],
    },
  };
  return manifest as Manifest;
}

export function loadBalancerManifest(ref: StackRef, lb: LoadBalancerExposure): Manifest {
  const key = loadBalancerKey(ref);
  const manifest: V1Service = {
    apiVersion: key.apiVersion,
    kind: key.kind,
    metadata: objectMeta(ref, key.name, lb.annotations),
    spec: {
      type: 'LoadBalancer',
      selector: selectorLabels(ref),
      ports: [{ name: 'web', port: lb.port, targetPort: 'web', protocol: 'TCP' }],
    },
  };
  return manifest as Manifest;
}
