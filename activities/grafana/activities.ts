import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { z } from 'zod';
import { GrafanaClient } from './client.js';
import type { GrafanaInstances } from './config.js';
import { isReadOnlyAnswer, readDatasource, readOnlyFailure } from './datasources.js';
import type { JsonValue } from './desired.js';
import { datasourceList, healthResult } from './schemas.js';
import {
  datasourceRefInput,
  preflightInput,
  sweepInstanceInput,
  upsertDatasourceInput,
  type DatasourceHealthResult,
  type DatasourceRef,
  type DeleteDatasourceResult,
  type GrafanaDatasource,
  type GrafanaPreflightInput,
  type GrafanaPreflightResult,
  type SweepInstanceInput,
  type SweepInstanceResult,
  type UpsertDatasourceInput,
  type UpsertDatasourceResult,
} from './types.js';
import { sweepInstance } from './sweep.js';
import { upsertDatasource } from './upsert.js';

export interface GrafanaActivitiesOptions {
  instances: GrafanaInstances;
  /** For drift repairs; never given credentials. */
  logger?: Logger;
  /** Temporal, for the drift sweep's visibility list and signals; default: the worker's own client. */
  temporal?: () => Client;
}

/**
 * The Grafana activities, bound to the worker's configured instances. Every
 * activity takes one plain JSON object and returns JSON; failures are
 * ApplicationFailures that say which instance and operation, and whether a
 * retry can help (see activities/errors.ts).
 */
export function createGrafanaActivities({
  instances,
  logger,
  temporal = () => Context.current().client,
}: GrafanaActivitiesOptions) {
  // One client (and connection pool) per instance, built at worker start so a bad CA file fails fast.
  const clients = new Map(
    instances.names.map((n) => [n, new GrafanaClient(instances.get(n), instances.env)]),
  );
  const clientFor = (name: string): GrafanaClient => {
    instances.get(name); // throws the non-retryable "unknown Grafana instance"
    return clients.get(name) as GrafanaClient;
  };

  return {
    /** Fails before the saga creates anything if the instance is unknown or its credentials cannot list datasources. */
    async grafanaPreflight(input: GrafanaPreflightInput): Promise<GrafanaPreflightResult> {
      const { instance, orgId } = valid(preflightInput, input, 'grafanaPreflight');
      const client = clientFor(instance);
      const operation = `preflight: list datasources in org ${orgId}`;
      const res = await client.request({ method: 'GET', path: '/api/datasources', orgId, operation });
      if (res.status !== 200) throw client.failure(operation, res);
      return { datasourceCount: client.parse(datasourceList, res, operation).length };
    },

    async upsertDatasource(input: UpsertDatasourceInput): Promise<UpsertDatasourceResult> {
      const { instance, ...args } = valid(upsertDatasourceInput, input, 'upsertDatasource');
      const result = await upsertDatasource(clientFor(instance), args);
      if (result.changed.length > 0 && !result.changed.includes('created')) {
        logger?.info(
          { instance, orgId: args.orgId, uid: args.uid, changed: result.changed },
          'repaired datasource drift',
        );
      }
      return result;
    },

    /** Idempotent: a datasource already gone counts as done. */
    async deleteDatasource(input: DatasourceRef): Promise<DeleteDatasourceResult> {
      const { instance, orgId, uid } = valid(datasourceRefInput, input, 'deleteDatasource');
      const client = clientFor(instance);
      const operation = `delete datasource ${uid}`;
      const res = await client.request({
        method: 'DELETE',
        path: `/api/datasources/uid/${encodeURIComponent(uid)}`,
        orgId,
        operation,
      });
      if (res.status === 200) return { deleted: true };
      if (res.status === 404) return { deleted: false };
      if (isReadOnlyAnswer(res)) throw readOnlyFailure(client, operation, orgId);
      throw client.failure(operation, res);
    },

    /** A failed check is data (Grafana answers it with 400 and a JSON result), not an error. */
    async datasourceHealth(input: DatasourceRef): Promise<DatasourceHealthResult> {
      const { instance, orgId, uid } = valid(datasourceRefInput, input, 'datasourceHealth');
      const client = clientFor(instance);
      const operation = `health-check datasource ${uid}`;
      const res = await client.request({
        method: 'GET',
        path: `/api/datasources/uid/${encodeURIComponent(uid)}/health`,
        orgId,
        operation,
      });
      if (res.status === 200) return client.parse(healthResult, res, operation);
      if (res.status === 400) {
        const result = healthResult.safeParse(res.body);
        if (result.success) return result.data;
      }
      // Grafana answers an unknown uid here with 500, not 404; retrying will not make it exist.
      if (res.status === 500 && /unable to load datasource metadata/i.test(res.message)) {
        throw ApplicationFailure.nonRetryable(
          `${operation}: Grafana '${client.name}' has no datasource ${uid} in org ${orgId} (${res.message})`,
          'DatasourceNotFound',
        );
      }
      throw client.failure(operation, res);
    },

    /** One drift sweep of an instance (sweep.ts): one list per org, stacks that drifted get a drift check. */
    async sweepGrafanaInstance(input: SweepInstanceInput): Promise<SweepInstanceResult> {
      const { instance } = valid(sweepInstanceInput, input, 'sweepGrafanaInstance');
      const result = await sweepInstance(clientFor(instance), temporal(), instance);
      if (result.drifted > 0) {
        logger?.info(
          { instance, stacks: result.stacks, drifted: result.drifted, findings: result.findings },
          'drift sweep found datasources to repair',
        );
      }
      return result;
    },

    async getDatasource(input: DatasourceRef): Promise<GrafanaDatasource | null> {
      const { instance, orgId, uid } = valid(datasourceRefInput, input, 'getDatasource');
      const ds = await readDatasource(clientFor(instance), orgId, uid);
      if (!ds) return null;
      return {
        id: ds.id,
        uid: ds.uid,
        name: ds.name,
        type: ds.type,
        access: ds.access,
        url: ds.url,
        isDefault: ds.isDefault,
        jsonData: ds.jsonData as Record<string, JsonValue>,
        version: ds.version,
        readOnly: ds.readOnly,
      };
    },
  };
}

export type GrafanaActivities = ReturnType<typeof createGrafanaActivities>;

/** A malformed input is a workflow bug: retrying the same input cannot help. */
function valid<S extends z.ZodType>(schema: S, input: unknown, activity: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.nonRetryable(
    `${activity}: invalid input\n${z.prettifyError(parsed.error)}`,
    'InvalidActivityInput',
  );
}
