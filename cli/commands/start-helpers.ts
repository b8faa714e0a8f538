import type { KubeClients } from '../../kube/clients.js';
import { isConflict } from '../../kube/errors.js';
import { CliError } from '../errors.js';

// What `npm start` does for one stack and cluster, with one cluster or a fleet.

export async function ensureNamespace(core: KubeClients['core'], name: string): Promise<void> {
  try {
    await core.createNamespace({ body: { metadata: { name } } });
  } catch (e) {
    if (!isConflict(e)) throw e;
  }
}

export async function grafanaDatasource(
  env: Record<string, string>,
  uid: string | undefined,
): Promise<unknown> {
  if (!uid) throw new CliError('the stack is Ready but reports no datasource uid');
  const res = await fetch(`${env.GRAFANA_URL}/api/datasources/uid/${uid}`, {
    headers: { Authorization: `Bearer ${env.GRAFANA_TOKEN}` },
  });
  if (!res.ok)
    throw new CliError(`Grafana answered ${res.status} for datasource ${uid}: ${await res.text()}`);
  return res.json();
}
