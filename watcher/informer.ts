import type { Logger } from 'pino';
import { httpStatus } from '../kube/errors.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';

/** One raw line of a watch stream. */
export interface WatchEvent {
  type: string;
  object: unknown;
}

export interface ListResult {
  items: unknown[];
  resourceVersion: string;
}

export interface WatchHandle {
  abort(): void;
}

/** Where an informer lists and watches; the real one is kube-source.ts, tests pass fakes. */
export interface ListWatchSource {
  /** For logs: the namespace, or "*". */
  readonly name: string;
  list(): Promise<ListResult>;
  /** Starts a watch from `resourceVersion`; `onDone` is called once when it ends, with the error if any. */
  watch(
    resourceVersion: string,
    onEvent: (e: WatchEvent) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchHandle>;
}

/** What the informer hands on: SYNC is an object seen again in a re-list. */
export type InformerEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNC';
export type RestartReason = 'error' | 'closed' | 'stale' | 'gone';

export interface InformerOptions {
  source: ListWatchSource;
  onEvent(type: InformerEventType, obj: unknown): void;
  /** Every event of the watch stream as received (including BOOKMARK and ERROR), for metrics. */
  onRawEvent?(type: string): void;
  onRestart?(reason: RestartReason, err: unknown): void;
  staleAfterMs: number;
  backoff: BackoffOptions;
  logger: Logger;
  random?: () => number;
}

interface Session {
  finish(reason: RestartReason, err?: unknown): void;
}

/** An ERROR event in the watch stream: its object is a metav1.Status. */
export class WatchStatusError extends Error {
  constructor(
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** 410 Gone: our resourceVersion is older than the apiserver keeps; only a re-list recovers. */
const isGone = (err: unknown) => httpStatus(err) === 410;

const keyOf = (obj: unknown): string | undefined => {
  const m = (obj as { metadata?: { namespace?: unknown; name?: unknown } } | null)?.metadata;
  return typeof m?.name === 'string' ? `${String(m.namespace ?? '')}/${m.name}` : undefined;
};
const rvOf = (obj: unknown): string | undefined => {
  const rv = (obj as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
};

/**
 * List, then watch from the list's resourceVersion, forever. Every end of a
 * watch (error, clean close, ERROR event) leads to a new watch after a capped,
 * jittered exponential backoff (reset once a watch delivered anything); a 410
 * leads to a re-list, which also reports what vanished meanwhile as DELETED.
 * A watchdog ends a watch that has been silent longer than staleAfterMs:
 * bookmarks keep a quiet but healthy watch alive, so silence means a dead
 * connection the client has not noticed (a half-open TCP stream, a hung connect).
 */
export class Informer {
  private readonly cache = new Map<string, unknown>();
  private resourceVersion = '';
  private stopped = false;
  private attempt = 0;
  private session: Session | undefined;
  private lastEventAt = 0;
  private progressAt = Date.now();
  private loop: Promise<void> | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private wake: (() => void) | undefined;
  private markSynced!: () => void;
  /** Resolves once the first list has been handed on. */
  readonly synced = new Promise<void>((r) => (this.markSynced = r));
  private isSynced = false;

  constructor(private readonly o: InformerOptions) {}

  start(): void {
    this.loop = this.run();
    const every = Math.max(50, Math.min(this.o.staleAfterMs / 4, 10_000));
    this.watchdog = setInterval(() => this.checkStale(), every);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watchdog);
    this.session?.finish('closed');
    this.wake?.();
    await this.loop;
  }

  get hasSynced(): boolean {
    return this.isSynced;
  }

  /** Last time the loop made progress (a list or watch attempt, or an event); for /healthz. */
  get lastProgressAt(): number {
    return this.progressAt;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.progressAt = Date.now();
      let reason: RestartReason;
      let err: unknown;
      let sawEvents = false;
      try {
        if (this.resourceVersion === '') await this.relist();
        ({ reason, err, sawEvents } = await this.watchOnce());
      } catch (e) {
        reason = isGone(e) ? 'gone' : 'error';
        err = e;
      }
      if (this.stopped) break;
      if (reason === 'gone') this.resourceVersion = '';
      if (sawEvents) this.attempt = 0;
      const delay = backoffDelay(this.attempt++, this.o.backoff, this.o.random);
      const log =
        reason === 'closed'
          ? this.o.logger.debug.bind(this.o.logger)
          : this.o.logger.warn.bind(this.o.logger);
      log(
        {
          source: this.o.source.name,
          reason,
          err: err instanceof Error ? err.message : err,
          retryInMs: delay,
        },
        'watch ended; restarting',
      );
      this.o.onRestart?.(reason, err);
      await this.sleep(delay);
    }
  }

  private async relist(): Promise<void> {
    const list = await this.o.source.list();
    if (this.stopped) return;
    this.progressAt = Date.now();
    const seen = new Set<string>();
    for (const obj of list.items) {
      const key = keyOf(obj);
      if (!key) continue;
      seen.add(key);
      const type = this.cache.has(key) ? 'SYNC' : 'ADDED';
      this.cache.set(key, obj);
      this.emit(type, obj);
    }
    for (const [key, old] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.emit('DELETED', old);
    }
    this.resourceVersion = list.resourceVersion;
    if (!this.isSynced) {
      this.isSynced = true;
      this.markSynced();
    }
  }

  private watchOnce(): Promise<{ reason: RestartReason; err?: unknown; sawEvents: boolean }> {
    // Stopped while listing: open nothing.
    if (this.stopped) return Promise.resolve({ reason: 'closed', sawEvents: false });
    return new Promise((resolve) => {
      let finished = false;
      let sawEvents = false;
      let handle: WatchHandle | undefined;
      const finish = (reason: RestartReason, err?: unknown) => {
        if (finished) return;
        finished = true;
        if (this.session === session) this.session = undefined;
        handle?.abort();
        resolve({ reason, err, sawEvents });
      };
      const session: Session = { finish };
      this.session = session;
      this.lastEventAt = Date.now();

      const onEvent = (e: WatchEvent) => {
        if (finished) return;
        this.lastEventAt = this.progressAt = Date.now();
        sawEvents = true;
        this.o.onRawEvent?.(e.type);
        const rv = rvOf(e.object);
        switch (e.type) {
          case 'ADDED':
          case 'MODIFIED':
          case 'DELETED': {
            const key = keyOf(e.object);
            if (key && e.type === 'DELETED') this.cache.delete(key);
            else if (key) this.cache.set(key, e.object);
            if (rv) this.resourceVersion = rv;
            if (key) this.emit(e.type, e.object);
            break;
          }
          case 'BOOKMARK':
            if (rv) this.resourceVersion = rv;
            break;
          case 'ERROR': {
            const status = e.object as { code?: number; message?: string } | null;
            finish(
              status?.code === 410 ? 'gone' : 'error',
              new WatchStatusError(status?.code, status?.message ?? 'watch error'),
            );
            break;
          }
        }
      };
      const onDone = (err: unknown) =>
        finish(err ? (isGone(err) ? 'gone' : 'error') : 'closed', err ?? undefined);

      this.o.source.watch(this.resourceVersion, onEvent, onDone).then(
        (h) => {
          handle = h;
          // Given up on already (stop or watchdog) while still connecting.
          if (finished) h.abort();
        },
        (e: unknown) => finish(isGone(e) ? 'gone' : 'error', e),
      );
    });
  }

  private checkStale(): void {
    if (this.session && Date.now() - this.lastEventAt > this.o.staleAfterMs) {
      this.o.logger.warn(
        { source: this.o.source.name, silentForMs: Date.now() - this.lastEventAt },
        'watch silent for too long; restarting it',
      );
      this.session.finish('stale');
    }
  }

  private emit(type: InformerEventType, obj: unknown): void {
    try {
      this.o.onEvent(type, obj);
    } catch (e) {
      this.o.logger.error({ err: e instanceof Error ? e.message : e, type }, 'event handler threw');
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}
