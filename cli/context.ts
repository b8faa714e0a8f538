import fs from 'node:fs';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { parseEnv } from '../config/parse-env.js';
import {
  temporalConnectionConfig,
  TemporalEnvSchema,
  type TemporalConnectionConfig,
} from '../config/temporal.js';
import { dnsLabel } from '../crd/primitives.js';
import { makeKubeClients, type KubeClients } from '../kube/clients.js';
import { lazyKubeConfig } from '../kube/kubeconfig.js';

/** ~/.kube/config or an in-cluster service account: what a default kubeconfig load finds without KUBECONFIG. */
function defaultKubeConfigExists(): boolean {
  const home = process.env.HOME ?? '';
  return (
    (home !== '' && fs.existsSync(path.join(home, '.kube', 'config'))) ||
    fs.existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')
  );
}

const CliEnvSchema = z.intersection(
  TemporalEnvSchema,
  z.object({
    STACKWRIGHT_CLUSTER: dnsLabel.default('local'),
    KUBECONFIG: z.string().min(1).optional(),
    TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233'),
  }),
);

/**
 * What a CLI command talks to, opened lazily: a command that needs only
 * Temporal never loads a kubeconfig, and the reverse.
 */
export class CliContext {
  readonly env: z.output<typeof CliEnvSchema>;
  readonly kubeConfig: () => KubeConfig;
  private clients?: KubeClients;
  private temporal?: Promise<{ connection: Connection; client: Client }>;
  private temporalSettings?: TemporalConnectionConfig;

  constructor(
    private readonly rawEnv: NodeJS.ProcessEnv,
    readonly cluster: string | undefined,
  ) {
    this.env = parseEnv(CliEnvSchema, rawEnv, 'CLI');
    this.kubeConfig = lazyKubeConfig(this.env.KUBECONFIG);
  }

  /** Temporal address, namespace and credentials (env + temporal.toml profile). */
  temporalConfig(): TemporalConnectionConfig {
    return (this.temporalSettings ??= temporalConnectionConfig(this.rawEnv));
  }

  get clusterName(): string {
    return this.cluster ?? this.env.STACKWRIGHT_CLUSTER;
  }

  /**
   * Whether a kubeconfig for the cluster asked about is at hand: KUBECONFIG (or
   * the default one) belongs to STACKWRIGHT_CLUSTER, so `--cluster <another>`
   * has none, and neither does a shell with no kubeconfig at all.
   */
  hasKubeConfig(): boolean {
    if (this.clusterName !== this.env.STACKWRIGHT_CLUSTER) return false;
    return this.env.KUBECONFIG !== undefined || defaultKubeConfigExists();
  }

  /** Kubernetes API clients (each request times out after 30 s), made on first use. */
  kube(): KubeClients {
    return (this.clients ??= makeKubeClients(this.kubeConfig(), { timeoutMs: 30_000 }));
  }

  custom(): KubeClients['custom'] {
    return this.kube().custom;
  }

  async client(): Promise<Client> {
    this.temporal ??= (async () => {
      const t = this.temporalConfig();
      const connection = await Connection.connect({
        address: t.address,
        ...(t.tls !== undefined ? { tls: t.tls } : {}),
        ...(t.apiKey ? { apiKey: t.apiKey } : {}),
        ...(t.metadata ? { metadata: t.metadata } : {}),
        connectTimeout: '5s',
      });
      return { connection, client: new Client({ connection, namespace: t.namespace }) };
    })();
    return (await this.temporal).client;
  }

  /** The Temporal Web UI page of a workflow. */
  uiLink(workflowId: string): string {
    return `${this.env.TEMPORAL_UI_URL.replace(/\/$/, '')}/namespaces/${encodeURIComponent(this.temporalConfig().namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  }

  async close(): Promise<void> {
    if (this.temporal) await (await this.temporal).connection.close();
  }
}
