import { createLogger } from '../observability/logger.js';
import { Controller } from './controller.js';
import { startHttpServer, type HttpServer } from './http.js';
import { makeKubeClients } from '../kube/clients.js';
import { LeaderElector } from './leader.js';
import { WatcherMetrics } from './metrics.js';
import { DEFAULT_TUNING, type WatcherOptions } from './options.js';
import { StackWorkflows } from './stack-workflows.js';

export type { LeaderElectionOptions, WatcherOptions, WatcherTuning } from './options.js';
export { WatcherMetrics } from './metrics.js';

export interface Watcher {
  /** Resolves when acting and the first list is synced, or (standby) once following the lease. */
  ready: Promise<void>;
  /**
   * Stops watching and acting, and the HTTP server. A leader hands the lease
   * back; `releaseLease: false` leaves it to expire, as a crashed process would.
   */
  stop(options?: { releaseLease?: boolean }): Promise<void>;
  metrics: WatcherMetrics;
  /** Whether this watcher currently acts (always, without leader election). */
  isLeader(): boolean;
  /** Base URL of the health server once `ready` (when httpAddress is set). */
  httpUrl(): string | undefined;
}

/**
 * The watcher: MonitoringStack events in, stack workflow updates (and teardown signals) out. With
 * leader election only the lease holder runs the informer; the others stand by.
 */
export function startWatcher(opts: WatcherOptions): Watcher {
  const tuning = { ...DEFAULT_TUNING, ...opts.tuning };
  const logger = (opts.logger ?? createLogger('info')).child({
    component: 'watcher',
    identity: opts.identity,
  });
  const metrics = new WatcherMetrics();
  metrics.set('stackwright_watcher_leader', 0);
  const apis = makeKubeClients(opts.kubeConfig, { timeoutMs: tuning.kubeRequestTimeoutMs });
  const workflows = new StackWorkflows(opts.temporalClient, tuning.temporalRpcTimeoutMs);
  const le = opts.leaderElection || undefined;
  if (le && le.renewMs * 2 >= le.leaseDurationMs)
    throw new Error('leaderElection.renewMs must be less than half of leaseDurationMs');

  let markReady!: () => void;
  let failReady!: (e: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
  ready.catch(() => undefined); // the caller awaits it; no unhandled rejection meanwhile

  let controller: Controller | undefined;
  let stopped = false;

  const startActing = () => {
    if (stopped) return;
    const c = new Controller({
      kubeConfig: opts.kubeConfig,
      apis,
      workflows,
      cluster: opts.cluster,
      namespaces: opts.namespaces ?? [],
      ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
      stackOptions: opts.stackOptions,
      metrics,
      logger,
      tuning,
    });
    controller = c;
    metrics.set('stackwright_watcher_leader', 1);
    c.start();
    void c.synced.then(() => {
      if (controller !== c) return;
      logger.info(
        { namespaces: opts.namespaces?.length ? opts.namespaces : 'all' },
        'informer synced; acting',
      );
      markReady();
    });
  };
  const stopActing = async () => {
    const c = controller;
    controller = undefined;
    metrics.set('stackwright_watcher_leader', 0);
    await c?.stop();
  };

  const elector = le
    ? new LeaderElector({
        ...le,
        // A lease request must fail well before the lease could expire under a silent leader.
        coordination: makeKubeClients(opts.kubeConfig, {
          timeoutMs: Math.min(tuning.kubeRequestTimeoutMs, Math.max(le.renewMs, le.leaseDurationMs / 3)),
        }).coordination,
        identity: opts.identity,
        logger: logger.child({ lease: `${le.leaseNamespace}/${le.leaseName}` }),
        onStartedLeading: startActing,
        onStoppedLeading: stopActing,
        onFollowing: () => markReady(),
      })
    : undefined;

  let http: HttpServer | undefined;
  const httpStarted = opts.httpAddress
    ? startHttpServer(
        opts.httpAddress,
        {
          healthy: () => controller?.isHealthy() ?? true,
          ready: () => (controller ? controller.hasSynced : (elector?.isFollowing() ?? false)),
          metrics: () => metrics.render(),
        },
        logger,
      ).then((s) => void (http = s))
    : Promise.resolve();
  httpStarted.then(
    () => {
      if (elector) elector.start();
      else startActing();
    },
    (e: unknown) => failReady(e),
  );

  return {
    ready,
    metrics,
    isLeader: () => controller !== undefined,
    httpUrl: () => http?.url,
    async stop(o) {
      stopped = true;
      await httpStarted.catch(() => undefined);
      if (elector) await elector.stop(o?.releaseLease ?? true);
      await stopActing();
      await http?.close();
      logger.info('watcher stopped');
    },
  };
}
