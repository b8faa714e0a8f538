import crypto from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import { openTarget, type ContractTarget } from './target.js';

/** Shared pieces of the Grafana contract suite: unique names, cleanup, request bodies. */

export const suffix = (): string => crypto.randomBytes(4).toString('hex');

export const HEALTH_SUFFIX = ' - There was an error returned querying the Prometheus API.';

export interface DsBody {
  name?: string;
  type?: string;
  access?: string;
  url?: string;
  uid?: string;
  [key: string]: unknown;
}

/** A Prometheus data source body with a unique name; `overrides` may add or replace fields. */
export function dsBody(overrides: DsBody = {}): DsBody {
  return {
    name: `contract-${suffix()}`,
    type: 'prometheus',
    access: 'proxy',
    url: 'http://127.0.0.1:9',
    ...overrides,
  };
}

export interface CreatedDs {
  id: number;
  uid: string;
  name: string;
  version: number;
  isDefault: boolean;
  [key: string]: unknown;
}

/**
 * Tracks what a test creates so afterEach can delete it, making the suite
 * safe to run against a shared Grafana. Deleting something already gone is fine.
 */
export class Cleanup {
  private readonly uids = new Set<string>();
  private readonly serviceAccounts = new Set<number>();
  constructor(private readonly target: ContractTarget) {}

  async createDs(overrides: DsBody = {}): Promise<CreatedDs> {
    const res = await this.target.api.post('/api/datasources', dsBody(overrides));
    if (res.status !== 200) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.data)}`);
    const ds = (res.data as { datasource: CreatedDs }).datasource;
    this.uids.add(ds.uid);
    return ds;
  }

  trackDs(uid: string): void {
    this.uids.add(uid);
  }

  trackServiceAccount(id: number): void {
    this.serviceAccounts.add(id);
  }

  async run(): Promise<void> {
    for (const uid of this.uids)
      await this.target.api.delete(`/api/datasources/uid/${encodeURIComponent(uid)}`);
    for (const id of this.serviceAccounts) await this.target.api.delete(`/api/serviceaccounts/${id}`);
    this.uids.clear();
    this.serviceAccounts.clear();
  }
}

/** A loopback port with nothing listening (bound then released), so connections are refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Creates a service account with one token; the account (and so its token) is cleaned up. */
export async function serviceAccountToken(
  target: ContractTarget,
  cleanup: Cleanup,
  role: 'Viewer' | 'Editor' | 'Admin' | 'None',
): Promise<{ serviceAccountId: number; tokenId: number; key: string }> {
  const sa = await target.api.post('/api/serviceaccounts', { name: `contract-${role}-${suffix()}`, role });
  if (sa.status !== 201) throw new Error(`service account create: ${sa.status} ${JSON.stringify(sa.data)}`);
  const serviceAccountId = (sa.data as { id: number }).id;
  cleanup.trackServiceAccount(serviceAccountId);
  const tok = await target.api.post(`/api/serviceaccounts/${serviceAccountId}/tokens`, {
    name: `contract-${suffix()}`,
  });
  if (tok.status !== 200) throw new Error(`token create: ${tok.status} ${JSON.stringify(tok.data)}`);
  const { id, key } = tok.data as { id: number; key: string };
  return { serviceAccountId, tokenId: id, key };
}

/**
 * Opens the contract target for a describe block and a fresh Cleanup per test
 * (removing what the test created); hands both to the caller's variables.
 */
export function useContractTarget(bind: (target: ContractTarget, cleanup: Cleanup) => void): void {
  let target: ContractTarget;
  let cleanup: Cleanup | undefined;
  beforeAll(async () => {
    target = await openTarget();
  });
  afterAll(() => target.close());
  beforeEach(() => {
    cleanup = new Cleanup(target);
    bind(target, cleanup);
  });
  afterEach(() => cleanup?.run());
}
