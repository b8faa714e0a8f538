import { ApplicationFailure } from '@temporalio/common';
import type { GrafanaClient, GrafanaResponse } from './client.js';
import { datasourceDto, datasourceList, datasourceWriteResult, type DatasourceDto } from './schemas.js';

/** Datasource requests shared by the activities: Grafana's answers turned into values or failures. */

const byUid = (uid: string) => `/api/datasources/uid/${encodeURIComponent(uid)}`;

/** GET by uid; null when Grafana says 404. */
export async function readDatasource(
  client: GrafanaClient,
  orgId: number,
  uid: string,
): Promise<DatasourceDto | null> {
  const operation = `read datasource ${uid}`;
  const res = await client.request({ method: 'GET', path: byUid(uid), orgId, operation });
  if (res.status === 404) return null;
  if (res.status !== 200) throw client.failure(operation, res);
  return client.parse(datasourceDto, res, operation);
}

/**
 * The datasource a POST/PUT answer describes; re-read when the answer has no
 * `datasource` (older versions).
 */
export async function writtenDatasource(
  client: GrafanaClient,
  orgId: number,
  uid: string,
  res: GrafanaResponse,
  operation: string,
): Promise<DatasourceDto> {
  const written = client.parse(datasourceWriteResult, res, operation).datasource;
  if (written) return written;
  const reread = await readDatasource(client, orgId, uid);
  if (!reread)
    throw retryable(`${operation}: Grafana '${client.name}' accepted it, but it is gone on re-read`);
  return reread;
}

/**
 * Which uid holds a datasource name, from the list: GET by name cannot address
 * names with "/" (our default names have them), since Grafana's router splits
 * the decoded path. Exact match first; then case-insensitive, for MySQL-backed
 * Grafanas whose unique index ignores case.
 */
export async function uidHoldingName(
  client: GrafanaClient,
  orgId: number,
  name: string,
): Promise<string | undefined> {
  const operation = `find datasource named '${name}'`;
  const res = await client.request({ method: 'GET', path: '/api/datasources', orgId, operation });
  if (res.status !== 200) throw client.failure(operation, res);
  const list = client.parse(datasourceList, res, operation);
  const lower = name.toLowerCase();
  return (list.find((d) => d.name === name) ?? list.find((d) => d.name.toLowerCase() === lower))?.uid;
}

export const isReadOnlyAnswer = (res: { status: number; message: string }) =>
  res.status === 403 && /read-only/i.test(res.message);

export function readOnlyFailure(client: GrafanaClient, operation: string, orgId: number): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `${operation}: Grafana '${client.name}' (org ${orgId}) has it as a read-only (provisioned) datasource, ` +
      'which only Grafana’s provisioning files can change',
    'DatasourceReadOnly',
  );
}

export function nameTakenFailure(
  client: GrafanaClient,
  operation: string,
  input: { orgId: number; uid: string; name: string },
  otherUid: string,
): ApplicationFailure {
  return ApplicationFailure.create({
    message:
      `${operation}: the name '${input.name}' is already used in Grafana '${client.name}' (org ${input.orgId}) ` +
      `by datasource uid '${otherUid}'. Stackwright will not take over a datasource it did not create: ` +
      'rename or delete that one, or set spec.grafana.name to another name.',
    type: 'DatasourceNameTaken',
    nonRetryable: true,
    details: [{ instance: client.name, orgId: input.orgId, name: input.name, otherUid }],
  });
}

export const retryable = (message: string, type = 'GrafanaConflict') =>
  ApplicationFailure.create({ message, type, nonRetryable: false });
