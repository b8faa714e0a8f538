import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { startGrafanaEmulator } from '../../../devstack/grafana/server.js';

/**
 * The Grafana the contract suite runs against. With GRAFANA_URL set, that
 * server (real Grafana or the stack's emulator), authenticating with
 * GRAFANA_TOKEN if set, else GRAFANA_ADMIN_USER/GRAFANA_ADMIN_PASSWORD
 * (default admin/admin). Without it, an in-process emulator on an ephemeral
 * port with a throwaway state file, so the suite passes standalone.
 */
export interface ContractTarget {
  url: string;
  /** True when this suite started the emulator itself. */
  managed: boolean;
  adminUser: string;
  adminPassword: string;
  /** Whether adminUser/adminPassword are known to be right (managed, or given explicitly). */
  adminKnown: boolean;
  /** Authenticated client (token or admin basic auth); never throws on HTTP status. */
  api: AxiosInstance;
  /** Client with the given Authorization header (or none); never throws on HTTP status. */
  as(authorization?: string): AxiosInstance;
  close(): Promise<void>;
}

export async function openTarget(): Promise<ContractTarget> {
  const envUrl = process.env.GRAFANA_URL;
  const token = process.env.GRAFANA_TOKEN;
  const adminUser = process.env.GRAFANA_ADMIN_USER || 'admin';
  let adminPassword = process.env.GRAFANA_ADMIN_PASSWORD || 'admin';
  let url: string;
  let close = async () => {};
  if (envUrl) {
    url = envUrl.replace(/\/+$/, '');
  } else {
    adminPassword = `contract-${Math.random().toString(36).slice(2)}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-contract-'));
    const emulator = await startGrafanaEmulator({
      host: '127.0.0.1',
      port: 0,
      stateFile: path.join(dir, 'state.json'),
      adminUser,
      adminPassword,
      healthCheckTimeoutMs: 10_000,
    });
    url = emulator.url;
    close = async () => {
      await emulator.close();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  const as = (authorization?: string) =>
    axios.create({
      baseURL: url,
      timeout: 30_000,
      validateStatus: () => true,
      headers: authorization ? { Authorization: authorization } : {},
    });
  const basic = `Basic ${Buffer.from(`${adminUser}:${adminPassword}`).toString('base64')}`;
  const useToken = Boolean(envUrl && token);
  return {
    url,
    managed: !envUrl,
    adminUser,
    adminPassword,
    adminKnown: !envUrl || Boolean(process.env.GRAFANA_ADMIN_PASSWORD) || !token,
    api: as(useToken ? `Bearer ${token}` : basic),
    as,
    close,
  };
}
