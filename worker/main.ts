import { NativeConnection, Runtime } from '@temporalio/worker';
import { createLogger, temporalLogger } from '../observability/logger.js';
import { workerSetup } from './setup.js';
import { createWorkers, runWorkers } from './workers.js';

/**
 * The worker process: config from env (all checked before anything connects),
 * one Temporal runtime with pino logs and optional Prometheus metrics, workers
 * per role, and a graceful shutdown on SIGINT/SIGTERM: polling stops, in-flight
 * tasks get STACKWRIGHT_SHUTDOWN_GRACE_SECONDS to finish, then it returns.
 * `signal` shuts it down the same way (the operator stops it with the watcher).
 */
export async function runWorkerProcess(
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
): Promise<void> {
  const { cfg, temporal, kubeConfig, grafana } = await workerSetup(env);
  const logger = createLogger(cfg.LOG_LEVEL);
  const metrics = cfg.STACKWRIGHT_METRICS_ADDRESS;
  try {
    Runtime.install({
      logger: temporalLogger(logger.child({ component: 'temporal' })),
      shutdownSignals: ['SIGINT', 'SIGTERM'],
      ...(metrics ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metrics } } } } : {}),
    });
  } catch (e) {
    // e.g. the port is taken: exit 1, a restart may find it free.
    throw new Error(`cannot start the Temporal runtime (STACKWRIGHT_METRICS_ADDRESS=${metrics ?? ''})`, {
      cause: e,
    });
  }
  const connection = await NativeConnection.connect({
    address: temporal.address,
    ...(temporal.tls !== undefined ? { tls: temporal.tls } : {}),
    ...(temporal.apiKey ? { apiKey: temporal.apiKey } : {}),
    ...(temporal.metadata ? { metadata: temporal.metadata } : {}),
  }).catch((e: unknown) => {
    throw new Error(`cannot connect to Temporal at ${temporal.address} (TEMPORAL_ADDRESS)`, { cause: e });
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
      shutdownGraceSeconds: cfg.STACKWRIGHT_SHUTDOWN_GRACE_SECONDS,
      maxCachedWorkflows: cfg.STACKWRIGHT_MAX_CACHED_WORKFLOWS,
    });
    logger.info(
      {
        roles: cfg.STACKWRIGHT_ROLES,
        cluster: cfg.STACKWRIGHT_CLUSTER,
        temporal: temporal.address,
        namespace: temporal.namespace,
        workflowBundle: cfg.STACKWRIGHT_WORKFLOW_BUNDLE ?? null,
        maxCachedWorkflows: cfg.STACKWRIGHT_MAX_CACHED_WORKFLOWS,
        metrics: cfg.STACKWRIGHT_METRICS_ADDRESS ?? null,
      },
      'stackwright worker running',
    );
    if (grafana) {
      // With the role only: the workflows role needs no Temporal client (gRPC) in its process.
      const [{ Client }, { startGrafanaSweep }] = await Promise.all([
        import('@temporalio/client'),
        import('../client/index.js'),
      ]);
      const client = new Client({ connection, namespace: temporal.namespace });
      const intervalMs = cfg.STACKWRIGHT_GRAFANA_SWEEP_SECONDS * 1000;
      for (const instance of grafana.instances.names) {
        // Not fatal: the workers still serve; another Grafana worker (or the next start) starts it.
        await startGrafanaSweep(client, instance, intervalMs).then(
          (id) => logger.info({ workflowId: id, intervalMs }, 'Grafana drift sweep running'),
          (e: unknown) =>
            logger.warn({ instance, error: String(e) }, 'could not start the Grafana drift sweep'),
        );
      }
    }
    await runWorkers(workers, signal);
    logger.info('stackwright worker stopped');
  } finally {
    await connection.close();
  }
}
