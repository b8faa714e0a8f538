import { z } from 'zod';
import type { JsonValue } from './desired.js';
import type { HealthStatus } from './schemas.js';

/**
 * Inputs and outputs of the Grafana activities: one plain JSON object each
 * way. Inputs name an instance; its URL and credentials stay on the worker.
 * Workflows import these as types only.
 */
const target = {
  /** Configured instance name (spec.grafana.instance). */
  instance: z.string().min(1),
  orgId: z.int().min(1),
};
/** Grafana's uid rule (spec §2.4): our uids are `sw-` + 32 hex. */
const uid = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,40}$/, "must be 1-40 characters of A-Z, a-z, 0-9, '-' and '_'");

export const preflightInput = z.object(target);
export const datasourceRefInput = z.object({ ...target, uid });
export const upsertDatasourceInput = z.object({
  ...target,
  uid,
  name: z.string().min(1),
  url: z.string().min(1),
  isDefault: z.boolean(),
  /** Merged over `{ httpMethod: 'POST' }`. */
  jsonData: z.record(z.string(), z.json()).optional(),
  /**
   * A first provisioning expects no datasource yet: POST at once (one request)
   * instead of a read first. A 409 on our uid still ends as an update.
   */
  createFirst: z.boolean().optional(),
});

export type GrafanaPreflightInput = z.input<typeof preflightInput>;
export type DatasourceRef = z.input<typeof datasourceRefInput>;
export type UpsertDatasourceInput = z.input<typeof upsertDatasourceInput>;

export interface GrafanaPreflightResult {
  /** Datasources the credentials can see in the org. */
  datasourceCount: number;
}

export interface UpsertDatasourceResult {
  uid: string;
  id: number;
  version: number;
  /** `['created']`, the owned fields repaired (e.g. `['url', 'jsonData']`), or `[]` when nothing changed. */
  changed: string[];
}

export interface DeleteDatasourceResult {
  /** False when it was already gone. */
  deleted: boolean;
}

export interface DatasourceHealthResult {
  status: HealthStatus;
  message: string;
}

export interface GrafanaDatasource {
  id: number;
  uid: string;
  name: string;
  type: string;
  access: string;
  url: string;
  isDefault: boolean;
  jsonData: Record<string, JsonValue>;
  version: number;
  readOnly: boolean;
}

export const sweepInstanceInput = z.object({ instance: z.string().min(1) });
export type SweepInstanceInput = z.input<typeof sweepInstanceInput>;

export interface SweepInstanceResult {
  instance: string;
  /** Ready stacks on the instance (from Temporal visibility). */
  stacks: number;
  /** Orgs listed: one Grafana call each. */
  orgs: number;
  grafanaCalls: number;
  /** Stacks whose datasource was missing or differed. */
  drifted: number;
  /** Of those, how many got their drift-check signal. */
  poked: number;
  /** The first few findings (uids and workflow ids only). */
  findings: { workflowId: string; uid: string; orgId: number; drift: 'missing' | 'differs' }[];
}
