import type { GrafanaClient } from './client.js';
import {
  isReadOnlyAnswer,
  nameTakenFailure,
  readDatasource,
  readOnlyFailure,
  retryable,
  uidHoldingName,
  writtenDatasource,
} from './datasources.js';
import { desiredDatasource, drift, type DesiredDatasource } from './desired.js';
import type { DatasourceDto } from './schemas.js';
import type { UpsertDatasourceResult } from './types.js';

interface UpsertArgs {
  orgId: number;
  uid: string;
  name: string;
  url: string;
  isDefault: boolean;
  jsonData?: DesiredDatasource['jsonData'] | undefined;
  createFirst?: boolean | undefined;
}

const sameName = (message: string) => /same name/i.test(message);
const sameUid = (message: string) => /same uid/i.test(message);

/**
 * Makes the datasource with this uid look as desired. The uid is the only
 * identity: a datasource with our name but another uid belongs to someone else
 * and is never adopted. Safe to retry at any point: a create whose answer was
 * lost is found by uid on the next attempt (or, with `createFirst`, by the
 * uid conflict of the next POST).
 */
export async function upsertDatasource(
  client: GrafanaClient,
  args: UpsertArgs,
): Promise<UpsertDatasourceResult> {
  const desired = desiredDatasource(args);
  const current = args.createFirst ? null : await readDatasource(client, args.orgId, args.uid);
  if (current) return update(client, args, desired, current);
  const created = await create(client, args, desired);
  if ('existing' in created) return update(client, args, desired, created.existing);
  const ds = created.created;
  // Grafana makes an org's first datasource its default whatever was asked: set it right at once.
  if (drift(ds, desired).length === 0)
    return { uid: ds.uid, id: ds.id, version: ds.version, changed: ['created'] };
  const fixed = await update(client, args, desired, ds);
  return { ...fixed, changed: ['created', ...fixed.changed] };
}

async function create(
  client: GrafanaClient,
  args: UpsertArgs,
  desired: DesiredDatasource,
): Promise<{ created: DatasourceDto } | { existing: DatasourceDto }> {
  const { orgId, uid } = args;
  const operation = `create datasource ${uid}`;
  const res = await client.request({
    method: 'POST',
    path: '/api/datasources',
    orgId,
    body: { uid, ...desired },
    operation,
  });
  if (res.status === 200) {
    return { created: await writtenDatasource(client, orgId, uid, res, operation) };
  }
  if (res.status !== 409) throw client.failure(operation, res);

  // Grafana checks the name before the uid, so our own earlier create (its
  // answer lost) can show up as a *name* conflict too: find who holds it.
  if (sameName(res.message)) {
    const holder = await uidHoldingName(client, orgId, desired.name);
    if (holder === undefined) {
      throw retryable(
        `${operation}: Grafana '${client.name}' says the name '${desired.name}' is taken, but no datasource ` +
          'these credentials can list has it (it may just have been removed); will retry',
      );
    }
    if (holder !== uid) throw nameTakenFailure(client, operation, { orgId, uid, name: desired.name }, holder);
  } else if (!sameUid(res.message)) {
    throw client.failure(operation, res);
  }
  // Our uid exists after all (an earlier attempt committed): continue as an update.
  const existing = await readDatasource(client, orgId, uid);
  if (!existing) {
    throw retryable(
      `${operation}: Grafana '${client.name}' reported a conflict on uid ${uid}, then not found it`,
    );
  }
  return { existing };
}

async function update(
  client: GrafanaClient,
  args: UpsertArgs,
  desired: DesiredDatasource,
  current: DatasourceDto,
): Promise<UpsertDatasourceResult> {
  const { orgId, uid } = args;
  const changed = drift(current, desired);
  if (changed.length === 0) return { uid, id: current.id, version: current.version, changed: [] };

  const operation = `update datasource ${uid}`;
  if (current.readOnly) throw readOnlyFailure(client, operation, orgId);
  const res = await client.request({
    method: 'PUT',
    path: `/api/datasources/uid/${encodeURIComponent(uid)}`,
    orgId,
    body: {
      uid,
      ...desired,
      // PUT replaces the whole datasource: keep what we do not own as found.
      user: current.user,
      database: current.database,
      basicAuthUser: current.basicAuthUser,
      withCredentials: current.withCredentials,
      // Optimistic lock: if someone edits it between our read and this write, Grafana answers 409 and we retry.
      version: current.version,
    },
    operation,
  });
  if (res.status === 200) {
    const ds = await writtenDatasource(client, orgId, uid, res, operation);
    return { uid, id: ds.id, version: ds.version, changed };
  }
  if (isReadOnlyAnswer(res)) throw readOnlyFailure(client, operation, orgId);
  if (res.status === 409 && sameName(res.message)) {
    const holder = await uidHoldingName(client, orgId, desired.name);
    if (holder !== undefined && holder !== uid) {
      throw nameTakenFailure(client, operation, { orgId, uid, name: desired.name }, holder);
    }
  }
  // 409: a stale version (or a name freed meanwhile); 404: deleted since our read. A retry re-reads
  // (and recreates) from scratch.
  throw client.failure(operation, res, [404, 409]);
}
