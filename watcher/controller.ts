import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { StackOptionsOverrides } from '../workflows/definitions.js';
import { Informer, type InformerEventType } from './informer.js';
import { KeyedQueue } from './keyed-queue.js';
import type { KubeClients } from '../kube/clients.js';
import { monitoringStackSource } from './kube-source.js';
import type { WatcherMetrics } from './metrics.js';
import type { WatcherTuning } from './options.js';
import { Reconciler } from './reconciler.js';
import { stackKey, WatchedStackSchema, type WatchedStack } from './stack-object.js';
import type { StackWorkflows } from './stack-workflows.js';

export interface ControllerDeps {
  kubeConfig: KubeConfig;
  apis: KubeClients;
  workflows: StackWorkflows;
  cluster: string;
  namespaces: string[];
  labelSelector?: string;
  stackOptions?: StackOptionsOverrides;
  metrics: WatcherMetrics;
  logger: Logger;
  tuning: WatcherTuning;
}

/**
 * Everything the acting watcher runs, for one term of leadership: an informer
 * per watched namespace (or one for all), feeding a keyed queue of reconciles.
 * A new term starts with fresh caches, seeded from one visibility list of what
 * the running workflows hold; whatever is handed over again, the workflows'
 * generation check makes harmless.
 */
export class Controller {
  private readonly informers: Informer[];
  private readonly queue: KeyedQueue<WatchedStack>;
  private readonly reconciler: Reconciler;
  /** Resolves once every informer has listed once. */
  readonly synced: Promise<void>;

  constructor(private readonly d: ControllerDeps) {
    const { metrics, logger, tuning } = d;
    this.reconciler = new Reconciler({
      cluster: d.cluster,
      custom: d.apis.custom,
      events: d.apis.events,
      workflows: d.workflows,
      stackOptions: d.stackOptions,
      metrics,
      logger,
      teardownWaitMs: tuning.teardownWaitMs,
      concurrency: tuning.concurrency,
    });
    this.queue = new KeyedQueue<WatchedStack>({
      handle: (_key, s, signal) => this.reconciler.reconcile(s, signal),
      onError: (key, err, retryInMs) => {
        metrics.inc('stackwright_watcher_errors_total', { where: 'reconcile' });
        logger.warn({ stack: key, err: errorText(err), retryInMs }, 'reconcile failed; will retry');
      },
      backoff: tuning.backoff,
    });
    const scopes = d.namespaces.length > 0 ? d.namespaces : [undefined];
    this.informers = scopes.map(
      (ns) =>
        new Informer({
          source: monitoringStackSource(
            d.kubeConfig,
            d.apis.custom,
            ns,
            tuning.watchTimeoutSeconds,
            d.labelSelector,
            tuning.listPageSize,
          ),
          onEvent: (type, obj) => this.onEvent(type, obj),
          onRawEvent: (type) => {
            if (type === 'BOOKMARK' || type === 'ERROR')
              metrics.inc('stackwright_watcher_events_total', { type });
          },
          onRestart: (reason) => {
            metrics.inc('stackwright_watcher_watch_restarts_total', { reason });
            if (reason === 'error') metrics.inc('stackwright_watcher_errors_total', { where: 'watch' });
          },
          staleAfterMs: tuning.staleAfterMs,
          backoff: tuning.backoff,
          logger: logger.child({ informer: ns ?? '*' }),
        }),
    );
    this.synced = Promise.all(this.informers.map((i) => i.synced)).then(() => undefined);
  }

  start(): void {
    this.reconciler.start();
    for (const i of this.informers) i.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
    await this.queue.stop();
  }

  get hasSynced(): boolean {
    return this.informers.every((i) => i.hasSynced);
  }

  /** False when an informer's loop has stopped making progress (not merely when the apiserver is away). */
  isHealthy(now = Date.now()): boolean {
    const t = this.d.tuning;
    const limit = 2 * t.staleAfterMs + t.backoff.maxMs + t.kubeRequestTimeoutMs;
    return this.informers.every((i) => now - i.lastProgressAt < limit);
  }

  private onEvent(type: InformerEventType, raw: unknown): void {
    this.d.metrics.inc('stackwright_watcher_events_total', { type });
    const parsed = WatchedStackSchema.safeParse(raw);
    if (!parsed.success) {
      this.d.metrics.inc('stackwright_watcher_errors_total', { where: 'event' });
      this.d.logger.warn(
        { type, error: parsed.error.message },
        'ignoring a MonitoringStack event without usable metadata',
      );
      return;
    }
    const key = stackKey(parsed.data);
    if (type === 'DELETED') {
      this.queue.forget(key);
      this.reconciler.forget(key);
      return;
    }
    this.queue.push(key, parsed.data);
  }
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
