import fs from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadGrafanaInstances, type GrafanaInstances } from '../activities/grafana/config.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';
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
 * not as a failure somewhere later.
 */
export function workerSetup(env: NodeJS.ProcessEnv): WorkerSetup {
  const cfg = asConfigError(undefined, () => loadWorkerConfig(env));
  const temporal = asConfigError('TEMPORAL_', () => temporalConnectionConfig(env));
  const roles = cfg.STACKWRIGHT_ROLES;
  const bundle = cfg.STACKWRIGHT_WORKFLOW_BUNDLE;
  if (bundle && roles.includes('workflows')) {
    asConfigError('STACKWRIGHT_WORKFLOW_BUNDLE', () => fs.accessSync(bundle, fs.constants.R_OK));
  }
  return {
    cfg,
    temporal,
    ...(roles.includes('kubernetes') && {
      kubeConfig: asConfigError('KUBECONFIG', () => loadKubeConfig(cfg.KUBECONFIG)),
    }),
    ...(roles.includes('grafana') && {
      grafana: { instances: asConfigError('Grafana', () => loadGrafanaInstances(env)) },
    }),
  };
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
