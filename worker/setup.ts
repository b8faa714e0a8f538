import fs from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import type { GrafanaInstances } from '../activities/grafana/config.js';
import { temporalConnectionConfig, type TemporalConnectionConfig } from '../config/temporal.js';
import { loadWorkerConfig, type WorkerConfig } from './config.js';
import { WorkerConfigError } from './exit.js';

/** Everything a worker process needs before it connects anywhere. */
export interface WorkerSetup {
  cfg: WorkerConfig;
  temporal: TemporalConnectionConfig;
  kubeConfig?: KubeConfig;
  grafana?: { instances: GrafanaInstances };
}

/**
 * Reads and checks all configuration up front, so a bad variable, an unreadable
 * certificate or kubeconfig, or an invalid Grafana config stops the process
 * before it connects, as one WorkerConfigError naming its source (exit code 2),
 * not as a failure somewhere later. A role's modules load only with the role: a
 * workflows-only process never loads the Kubernetes client (about 75 MB RSS).
 */
export async function workerSetup(env: NodeJS.ProcessEnv): Promise<WorkerSetup> {
  const cfg = asConfigError(undefined, () => loadWorkerConfig(env));
  const temporal = asConfigError('TEMPORAL_', () => temporalConnectionConfig(env));
  const roles = cfg.STACKWRIGHT_ROLES;
  const bundle = cfg.STACKWRIGHT_WORKFLOW_BUNDLE;
  if (bundle && roles.includes('workflows')) {
    asConfigError('STACKWRIGHT_WORKFLOW_BUNDLE', () => fs.accessSync(bundle, fs.constants.R_OK));
  }
  const setup: WorkerSetup = { cfg, temporal };
  if (roles.includes('kubernetes')) {
    const { loadKubeConfig } = await import('../kube/kubeconfig.js');
    setup.kubeConfig = asConfigError('KUBECONFIG', () => loadKubeConfig(cfg.KUBECONFIG));
  }
  if (roles.includes('grafana')) {
    const { loadGrafanaInstances } = await import('../activities/grafana/config.js');
    setup.grafana = { instances: asConfigError('Grafana', () => loadGrafanaInstances(env)) };
  }
  return setup;
}

function asConfigError<T>(what: string | undefined, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof WorkerConfigError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    // Messages that already name their variable (or its prefix) stay as they are.
    throw new WorkerConfigError(!what || message.includes(what) ? message : `${what}: ${message}`, {
      cause: e,
    });
  }
}
