import { Client, Connection } from '@temporalio/client';
import { loadKubeConfig } from '../kube/kubeconfig.js';
import { temporalConnectionConfig } from '../config/temporal.js';
import { createLogger } from '../observability/logger.js';
import { loadWatcherConfig } from './config.js';
import { startWatcher } from './index.js';

/**
 * The watcher process: config from env (zod-validated, all checked before
 * connecting), a Temporal client, startWatcher, and on SIGTERM/SIGINT (or
 * `signal`) a graceful stop that hands the lease to a standby. Resolves once stopped.
 */
export async function runWatcherProcess(
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
): Promise<void> {
  const cfg = loadWatcherConfig(env);
  const temporal = temporalConnectionConfig(env);
  const kubeConfig = loadKubeConfig(cfg.KUBECONFIG);
  const logger = createLogger(cfg.LOG_LEVEL);

  const stop = new AbortController();
  const onSignal = (name: string) => () => {
    logger.info({ signal: name }, 'stopping');
    stop.abort();
  };
  const handlers = { SIGTERM: onSignal('SIGTERM'), SIGINT: onSignal('SIGINT') };
  for (const [name, h] of Object.entries(handlers)) process.once(name, h);
  signal?.addEventListener('abort', () => stop.abort(), { once: true });

  // Lazy: a Temporal frontend that is down at start fails each hand-over, which
  // is retried with backoff, instead of the process exiting into a crash loop.
  const connection = Connection.lazy({
    address: temporal.address,
    ...(temporal.tls !== undefined ? { tls: temporal.tls } : {}),
    ...(temporal.apiKey ? { apiKey: temporal.apiKey } : {}),
    ...(temporal.metadata ? { metadata: temporal.metadata } : {}),
  });
  try {
    const leaseNamespace = cfg.STACKWRIGHT_LEASE_NAMESPACE ?? cfg.POD_NAMESPACE;
    const watcher = startWatcher({
      kubeConfig,
      temporalClient: new Client({ connection, namespace: temporal.namespace }),
      cluster: cfg.STACKWRIGHT_CLUSTER,
      namespaces: cfg.STACKWRIGHT_WATCH_NAMESPACES,
      ...(cfg.STACKWRIGHT_STACK_SELECTOR ? { labelSelector: cfg.STACKWRIGHT_STACK_SELECTOR } : {}),
      identity: cfg.POD_NAME,
      stackOptions: cfg.STACKWRIGHT_STACK_OPTIONS,
      leaderElection:
        cfg.STACKWRIGHT_LEADER_ELECTION === 'true' && leaseNamespace
          ? {
              leaseName: cfg.STACKWRIGHT_LEASE_NAME,
              leaseNamespace,
              leaseDurationMs: cfg.STACKWRIGHT_LEASE_DURATION_MS,
              renewMs: cfg.STACKWRIGHT_LEASE_RENEW_MS,
            }
          : false,
      httpAddress: cfg.STACKWRIGHT_HTTP_ADDRESS,
      tuning: { concurrency: cfg.STACKWRIGHT_WATCHER_CONCURRENCY },
      logger,
    });
    logger.info(
      { cluster: cfg.STACKWRIGHT_CLUSTER, temporal: temporal.address, namespace: temporal.namespace },
      'stackwright watcher starting',
    );
    const stopped = new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      stop.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.race([watcher.ready, stopped]);
    await stopped;
    await watcher.stop();
  } finally {
    for (const [name, h] of Object.entries(handlers)) process.off(name, h);
    await connection.close();
  }
}
