import { z } from 'zod';
import { API_VERSION, KIND } from './constants.js';
import { dnsLabel, timestamp } from './primitives.js';
import { MonitoringStackSpecSchema } from './spec.js';
import { MonitoringStackStatusSchema } from './status.js';

/**
 * Stack names become part of Service and StatefulSet names (`<name>-prometheus`),
 * which must be DNS-1035 labels and, for StatefulSets, at most 52 characters.
 */
export const MAX_STACK_NAME_LENGTH = 40;
export const STACK_NAME_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

// Only the metadata fields Stackwright reads; z.object strips the rest
// (managedFields, creationTimestamp, ...) that the apiserver returns.
export const ObjectMetaSchema = z.object({
  name: z
    .string()
    .max(MAX_STACK_NAME_LENGTH)
    .regex(new RegExp(STACK_NAME_PATTERN), 'must start with a letter and contain only a-z, 0-9 and "-"'),
  namespace: dnsLabel,
  uid: z.string().optional(),
  generation: z.int().min(0).optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: timestamp.optional(),
  deletionTimestamp: timestamp.optional(),
  finalizers: z.array(z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** A MonitoringStack as read from the apiserver. */
export const MonitoringStackSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: ObjectMetaSchema,
  spec: MonitoringStackSpecSchema,
  status: MonitoringStackStatusSchema.optional(),
});

export type ObjectMeta = z.output<typeof ObjectMetaSchema>;
export type MonitoringStack = z.output<typeof MonitoringStackSchema>;
export type MonitoringStackInput = z.input<typeof MonitoringStackSchema>;
