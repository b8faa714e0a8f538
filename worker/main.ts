import { KubeConfig } from '@kubernetes/client-node';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadGrafanaInstances } from '../activities/grafana/config.js';
import { ConfigError } from '../config/parse-env.js';
import { temporalConnectionConfig } from '../config/temporal.js';
import { loadWorkerConfig } from './config.js';
import { createLogger, temporalLogger } from './logger.js';
import { createWorkers, runWorkers } from './workers.js';

/**
 * The worker process: config from env (zod-validated), one Temporal runtime
 * with pino logs and optional Prometheus metrics, workers per role, and a
 * graceful shutdown on SIGINT/SIGTERM (in-flight tasks finish first).
 */
export async function runWorkerProcess(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const cfg = loadWorkerConfig(env);
  const logger = createLogger(cfg.LOG_LEVEL);
  Runtime.install({
    logger: temporalLogger(logger.child({ component: 'temporal' })),
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    ...(cfg.STACKWRIGHT_METRICS_ADDRESS
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: cfg.STACKWRIGHT_METRICS_ADDRESS } } } }
      : {}),
  });
  const temporal = temporalConnectionConfig(cfg);
  const kubeConfig = cfg.STACKWRIGHT_ROLES.includes('kubernetes')
    ? loadKubeConfig(cfg.KUBECONFIG)
    : undefined;
  const grafana = cfg.STACKWRIGHT_ROLES.includes('grafana')
    ? { instances: loadGrafanaInstances(env) }
    : undefined;
  const connection = await NativeConnection.connect({
    address: temporal.address,
    ...(temporal.tls !== undefined ? { tls: temporal.tls } : {}),
    ...(temporal.apiKey ? { apiKey: temporal.apiKey } : {}),
  });
  try {
    const workers = await createWorkers({
      connection,
      namespace: temporal.namespace,
      roles: cfg.STACKWRIGHT_ROLES,
      cluster: cfg.STACKWRIGHT_CLUSTER,
      kubeConfig,
      grafana,
      workflowBundlePath: cfg.STACKWRIGHT_WORKFLOW_BUNDLE,
    });
    logger.info(
      {
        roles: cfg.STACKWRIGHT_ROLES,
        cluster: cfg.STACKWRIGHT_CLUSTER,
        temporal: temporal.address,
        namespace: temporal.namespace,
      },
      'stackwright worker running',
    );
    await runWorkers(workers);
    logger.info('stackwright worker stopped');
  } finally {
    await connection.close();
  }
}

function loadKubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster())
    throw new ConfigError('no Kubernetes cluster configured: set KUBECONFIG or run in a cluster');
  return kc;
}
