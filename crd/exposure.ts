import { z } from 'zod';
import { boundedRecord, dnsSubdomain, httpUrl, qualifiedName } from './primitives.js';

// Why exposure is required and an in-cluster Service name is not enough: the
// datasource lives in a company-wide Grafana outside the cluster, and Grafana's
// backend queries Prometheus from its own network, where a name such as
// prometheus.team-a.svc.cluster.local neither resolves nor routes. Every stack
// therefore names (url) or has the operator create (ingress, loadBalancer) an
// address that is reachable from Grafana.

const EXPOSURE_MODES = ['url', 'ingress', 'loadBalancer'] as const;

export const IngressExposureSchema = z
  .strictObject({
    host: dnsSubdomain.describe('Host name Grafana uses to reach Prometheus.'),
    className: dnsSubdomain.optional().describe('IngressClass; the cluster default when omitted.'),
    tlsSecretName: dnsSubdomain
      .optional()
      .describe('Secret holding the TLS certificate for host; served over https when set.'),
    path: z
      .string()
      .max(256)
      .regex(/^\/[^\s]*$/, 'must be an absolute path starting with "/"')
      .default('/')
      .describe('Path prefix Prometheus is served under.'),
  })
  .describe('Create an Ingress for Prometheus.');

export const LoadBalancerExposureSchema = z
  .strictObject({
    port: z.int().min(1).max(65535).default(9090).describe('Service port.'),
    annotations: boundedRecord(qualifiedName, z.string().max(4096), 32)
      .optional()
      .describe('Annotations for the Service, e.g. cloud load balancer settings.'),
  })
  .describe('Create a Service of type LoadBalancer for Prometheus.');

export const ExposureSchema = z
  .strictObject({
    url: httpUrl
      .optional()
      .describe(
        'Existing address at which Grafana reaches this Prometheus, e.g. https://prom.team-a.example.com.',
      ),
    ingress: IngressExposureSchema.optional(),
    loadBalancer: LoadBalancerExposureSchema.optional(),
  })
  .check((ctx) => {
    const set = EXPOSURE_MODES.filter((m) => ctx.value[m] !== undefined);
    if (set.length !== 1) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message:
          set.length === 0
            ? 'must set one of url, ingress, loadBalancer'
            : `must set exactly one of url, ingress, loadBalancer (got ${set.join(', ')})`,
      });
    }
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: '(has(self.url) ? 1 : 0) + (has(self.ingress) ? 1 : 0) + (has(self.loadBalancer) ? 1 : 0) == 1',
        message: 'must set exactly one of url, ingress, loadBalancer',
      },
    ],
  })
  .describe(
    'How the company Grafana (outside this cluster) reaches Prometheus. Exactly one of url, ingress, loadBalancer.',
  );

export type Exposure = z.output<typeof ExposureSchema>;
export type IngressExposure = z.output<typeof IngressExposureSchema>;
export type LoadBalancerExposure = z.output<typeof LoadBalancerExposureSchema>;
