import { z } from 'zod';
import { BACKEND_IMMUTABLE_MESSAGE, PROMETHEUS_BACKENDS } from './backend.js';
import { dnsSubdomain, immutable, labelSelector, prometheusDuration, quantity } from './primitives.js';

/** Pinned so a stack never changes Prometheus version unless its spec does (current LTS line). */
export const DEFAULT_PROMETHEUS_VERSION = 'v3.5.0';
export const PROMETHEUS_IMAGE_REPOSITORY = 'quay.io/prometheus/prometheus';
const DEFAULT_REPLICAS = 1;
const DEFAULT_RETENTION = '15d';

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

// Fields that describe a Prometheus Stackwright has run (StatefulSet and
// PrometheusOperator). Their defaults are applied by zod, per backend, not by
// the apiserver: an External stack must be able to leave them all unset.
const managedFields = {
  version: z
    .string()
    .max(64)
    .regex(/^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/, 'must be a Prometheus release tag such as v2.53.0')
    .optional()
    .describe(
      `Prometheus release tag of ${PROMETHEUS_IMAGE_REPOSITORY}; default ${DEFAULT_PROMETHEUS_VERSION}. Ignored when image is set.`,
    ),
  image: z
    .string()
    .max(512)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, 'must be a container image reference')
    .optional()
    .describe('Full image reference; overrides version (e.g. a mirrored registry).'),
  replicas: z
    .int()
    .min(1)
    .max(10)
    .optional()
    .describe(`Number of Prometheus replicas; default ${DEFAULT_REPLICAS}.`),
  retention: prometheusDuration
    .optional()
    .describe(`How long samples are kept, e.g. 15d or 12h; default ${DEFAULT_RETENTION}.`),
  resources: ResourcesSchema.optional(),
  storage: StorageSchema.optional(),
};
const MANAGED_FIELDS = Object.keys(managedFields) as (keyof typeof managedFields)[];

// Only prometheus-operator selects ServiceMonitors and PodMonitors.
const operatorFields = {
  serviceMonitorSelector: labelSelector
    .optional()
    .describe(
      "Which ServiceMonitors of the stack's namespace this Prometheus scrapes; default all of them. PrometheusOperator only.",
    ),
  podMonitorSelector: labelSelector
    .optional()
    .describe(
      "Which PodMonitors of the stack's namespace this Prometheus scrapes; default all of them. PrometheusOperator only.",
    ),
};
const OPERATOR_FIELDS = Object.keys(operatorFields) as (keyof typeof operatorFields)[];

const has = (f: string) => `has(self.${f})`;
const EXTERNAL_FIELDS_MESSAGE = `with backend External, Stackwright runs no Prometheus: only backend may be set (not ${MANAGED_FIELDS.join(', ')}, ${OPERATOR_FIELDS.join(', ')})`;
const OPERATOR_FIELDS_MESSAGE = `${OPERATOR_FIELDS.join(' and ')} apply only to backend PrometheusOperator`;

const PrometheusInputSchema = z
  .strictObject({
    backend: z
      .enum(PROMETHEUS_BACKENDS)
      .default('StatefulSet')
      .meta({ 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: BACKEND_IMMUTABLE_MESSAGE }] })
      .describe(
        "Who runs Prometheus: StatefulSet (Stackwright runs it), PrometheusOperator (a monitoring.coreos.com/v1 Prometheus run by the cluster's prometheus-operator) or External (nothing in the cluster: exposure.url is registered as it is). Immutable.",
      ),
    ...managedFields,
    ...operatorFields,
  })
  .check((ctx) => {
    const p = ctx.value;
    const set = (fields: readonly string[]) => fields.filter((f) => p[f as keyof typeof p] !== undefined);
    if (p.backend === 'External') {
      for (const f of set([...MANAGED_FIELDS, ...OPERATOR_FIELDS])) {
        ctx.issues.push({
          code: 'custom',
          input: p,
          path: [f],
          message: `is not allowed with backend External: Stackwright runs no Prometheus for it (register the existing one with exposure.url)`,
        });
      }
    } else if (p.backend !== 'PrometheusOperator') {
      for (const f of set(OPERATOR_FIELDS)) {
        ctx.issues.push({
          code: 'custom',
          input: p,
          path: [f],
          message: `applies only to backend PrometheusOperator (this stack's backend is ${p.backend})`,
        });
      }
    }
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: `!has(self.backend) || self.backend != 'External' || !(${[...MANAGED_FIELDS, ...OPERATOR_FIELDS].map(has).join(' || ')})`,
        message: EXTERNAL_FIELDS_MESSAGE,
      },
      {
        rule: `(has(self.backend) && self.backend == 'PrometheusOperator') || !(${OPERATOR_FIELDS.map(has).join(' || ')})`,
        message: OPERATOR_FIELDS_MESSAGE,
      },
    ],
  })
  .describe('The Prometheus this stack registers: who runs it (backend) and, unless External, how.');

type Input = z.output<typeof PrometheusInputSchema>;

/** A Prometheus Stackwright has run (StatefulSet or PrometheusOperator), defaults applied. */
export interface ManagedPrometheusSpec {
  version: string;
  image?: string;
  replicas: number;
  retention: string;
  resources?: Input['resources'];
  storage?: Input['storage'];
}
export type LabelSelectorSpec = NonNullable<Input['serviceMonitorSelector']>;

export type PrometheusSpec =
  | ({ backend: 'StatefulSet' } & ManagedPrometheusSpec)
  | ({
      backend: 'PrometheusOperator';
      serviceMonitorSelector?: LabelSelectorSpec;
      podMonitorSelector?: LabelSelectorSpec;
    } & ManagedPrometheusSpec)
  | { backend: 'External' };

function withDefaults(p: Input): PrometheusSpec {
  if (p.backend === 'External') return { backend: 'External' };
  const { backend, serviceMonitorSelector, podMonitorSelector, ...rest } = p;
  const managed: ManagedPrometheusSpec = {
    ...rest,
    version: p.version ?? DEFAULT_PROMETHEUS_VERSION,
    replicas: p.replicas ?? DEFAULT_REPLICAS,
    retention: p.retention ?? DEFAULT_RETENTION,
  };
  if (backend === 'StatefulSet') return { backend, ...managed };
  return {
    backend,
    ...managed,
    ...(serviceMonitorSelector && { serviceMonitorSelector }),
    ...(podMonitorSelector && { podMonitorSelector }),
  };
}

export const PrometheusSchema = PrometheusInputSchema.transform(withDefaults);

/** Image to run: `image` wins over `version`. */
export function prometheusImage(p: Pick<ManagedPrometheusSpec, 'image' | 'version'>): string {
  return p.image ?? `${PROMETHEUS_IMAGE_REPOSITORY}:${p.version}`;
}

/** The Prometheus part of a PrometheusOperator stack. */
export type OperatorPrometheusSpec = Extract<PrometheusSpec, { backend: 'PrometheusOperator' }>;
