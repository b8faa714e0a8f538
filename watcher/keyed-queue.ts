import { backoffDelay, type BackoffOptions } from './backoff.js';

/** A handler may ask to be called again later with the latest item, e.g. while a teardown runs. */
export type HandlerResult = void | { requeueAfterMs: number };

export interface KeyedQueueOptions<T> {
  handle(key: string, item: T, signal: AbortSignal): Promise<HandlerResult>;
  onError(key: string, err: unknown, retryInMs: number): void;
  backoff: BackoffOptions;
}

interface Entry<T> {
  /** The newest item not yet handled: events coalesce, only the latest state matters. */
  pending?: T;
  running: boolean;
  timer?: ReturnType<typeof setTimeout>;
  attempt: number;
  /** forget() was called while running: do not retry the old item. */
  forgotten?: boolean;
}

/**
 * A work queue keyed by object: one handler at a time per key (so a stack's
 * events are handled in order), any number of keys in parallel (so one stack
 * waiting for its teardown never holds up another). A failed handler is retried
 * with backoff, with the newest item seen for its key by then.
 */
export class KeyedQueue<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly o: KeyedQueueOptions<T>) {}

  push(key: string, item: T): void {
    if (this.abort.signal.aborted) return;
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = { running: false, attempt: 0 }));
    e.pending = item;
    e.forgotten = false;
    // Running: picked up when that run ends. Waiting to retry: the retry takes it.
    if (!e.running && !e.timer) this.run(key, e);
  }

  /** The object is gone: drop what is queued for it (a run in progress finishes). */
  forget(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.pending = undefined;
    clearTimeout(e.timer);
    e.timer = undefined;
    if (e.running) e.forgotten = true;
    else this.entries.delete(key);
  }

  /** Aborts running handlers (their signal) and waits for them to return. */
  async stop(): Promise<void> {
    this.abort.abort();
    for (const e of this.entries.values()) clearTimeout(e.timer);
    await Promise.allSettled([...this.inflight]);
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private run(key: string, e: Entry<T>): void {
    const item = e.pending;
    if (item === undefined) {
      if (!e.timer) this.entries.delete(key);
      return;
    }
    e.pending = undefined;
    e.running = true;
    const p = this.runOne(key, e, item).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private async runOne(key: string, e: Entry<T>, item: T): Promise<void> {
    let retryInMs: number | undefined;
    try {
      const r = await this.o.handle(key, item, this.abort.signal);
      e.attempt = 0;
      if (r) retryInMs = r.requeueAfterMs;
    } catch (err) {
      retryInMs = backoffDelay(e.attempt++, this.o.backoff);
      if (!this.abort.signal.aborted) this.o.onError(key, err, retryInMs);
    }
    e.running = false;
    if (this.abort.signal.aborted) return;
    if (e.forgotten) {
      this.entries.delete(key);
      return;
    }
    if (retryInMs === undefined) return this.run(key, e);
    e.pending ??= item;
    e.timer = setTimeout(() => {
      e.timer = undefined;
      this.run(key, e);
    }, retryInMs);
  }
}
