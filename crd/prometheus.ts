import { z } from 'zod';
import { dnsSubdomain, immutable, prometheusDuration, quantity } from './primitives.js';

/** Pinned so a stack never changes Prometheus version unless its spec does (current LTS line). */
export const DEFAULT_PROMETHEUS_VERSION = 'v3.5.0';
export const PROMETHEUS_IMAGE_REPOSITORY = 'quay.io/prometheus/prometheus';

const ResourceListSchema = z.strictObject({
  cpu: quantity.optional(),
  memory: quantity.optional(),
});

export const ResourcesSchema = z
  .strictObject({
    requests: ResourceListSchema.optional(),
    limits: ResourceListSchema.optional(),
  })
  .describe('Compute resources of the Prometheus container.');

export const StorageSchema = z
  .strictObject({
    size: quantity.describe("Size of each replica's PersistentVolumeClaim, e.g. 50Gi."),
    // A StatefulSet's volumeClaimTemplates are immutable and a new class means
    // new, empty volumes: reject the change up front instead of mid-workflow.
    storageClassName: dnsSubdomain
      .optional()
      .describe('StorageClass of the volumes; the cluster default when omitted. Immutable.')
      .meta(immutable('storageClassName')),
  })
  .describe('Persistent storage. When omitted, Prometheus keeps its data in an emptyDir (lost on restart).');

export const PrometheusSchema = z
  .strictObject({
    version: z
      .string()
      .max(64)
      .regex(
        /^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/,
        'must be a Prometheus release tag such as v2.53.0',
      )
      .default(DEFAULT_PROMETHEUS_VERSION)
      .describe(`Prometheus release tag of ${PROMETHEUS_IMAGE_REPOSITORY}. Ignored when image is set.`),
    image: z
      .string()
      .max(512)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, 'must be a container image reference')
      .optional()
      .describe('Full image reference; overrides version (e.g. a mirrored registry).'),
    replicas: z.int().min(1).max(10).default(1).describe('Number of Prometheus replicas.'),
    retention: prometheusDuration.default('15d').describe('How long samples are kept, e.g. 15d or 12h.'),
    resources: ResourcesSchema.optional(),
    storage: StorageSchema.optional(),
  })
  .describe('The Prometheus server Stackwright runs in this namespace.');

export type PrometheusSpec = z.output<typeof PrometheusSchema>;

/** Image to run: `image` wins over `version`. */
export function prometheusImage(p: Pick<PrometheusSpec, 'image' | 'version'>): string {
  return p.image ?? `${PROMETHEUS_IMAGE_REPOSITORY}:${p.version}`;
}
