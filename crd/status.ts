import { z } from 'zod';
import { DatasourceNameSchema } from './grafana.js';
import { dnsLabel, httpUrl, timestamp } from './primitives.js';

// Status is written only by the operator, so it is parsed leniently (z.object
// strips unknown keys): an older operator reading a newer one's status must not fail.

export const PHASES = [
  'Pending',
  'Provisioning',
  'Ready',
  'Degraded',
  'Failed',
  'Deleting',
  'Suspended',
] as const;
export type Phase = (typeof PHASES)[number];

export const CONDITION_TYPES = [
  'PrometheusReady',
  'Exposed',
  'DatasourceRegistered',
  'DatasourceHealthy',
  'Ready',
  'InvalidSpec',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** Shaped like metav1.Condition so `kubectl wait --for=condition=Ready` and generic tooling work. */
export const ConditionSchema = z.object({
  type: z.enum(CONDITION_TYPES),
  status: z.enum(['True', 'False', 'Unknown']),
  observedGeneration: z.int().min(0).optional(),
  lastTransitionTime: timestamp,
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, 'must be a CamelCase reason'),
  message: z.string().max(32768),
});

export const MonitoringStackStatusSchema = z
  .object({
    phase: z.enum(PHASES).optional(),
    observedGeneration: z.int().min(0).optional().describe('metadata.generation the status reflects.'),
    conditions: z
      .array(ConditionSchema)
      .max(CONDITION_TYPES.length)
      .optional()
      // Keyed by type, as for metav1.Condition lists: server-side apply merges per condition.
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
    prometheus: z
      .object({
        internalUrl: httpUrl.optional().describe('In-cluster address of the Prometheus Service.'),
        externalUrl: httpUrl.optional().describe('Address Grafana uses.'),
      })
      .optional(),
    datasource: z
      .object({
        uid: z
          .string()
          .max(40)
          .regex(/^[a-zA-Z0-9_-]+$/, 'must be a Grafana uid')
          .optional(),
        name: DatasourceNameSchema.optional(),
        grafanaInstance: dnsLabel.optional(),
      })
      .optional(),
    workflow: z
      .object({
        workflowId: z.string().min(1).max(1000).optional(),
        runId: z.string().max(64).optional(),
      })
      .optional()
      .describe('Temporal workflow currently reconciling this stack.'),
    lastError: z
      .object({
        step: z.string().max(128),
        message: z.string().max(32768),
        time: timestamp,
      })
      .optional(),
  })
  .describe('Observed state, written only by the operator (status subresource).');

export type MonitoringStackStatus = z.output<typeof MonitoringStackStatusSchema>;
export type Condition = z.output<typeof ConditionSchema>;
