import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import pino from 'pino';
import {
  Informer,
  type InformerEventType,
  type ListResult,
  type ListWatchSource,
  type RestartReason,
  type WatchEvent,
} from '../../watcher/informer.js';

interface FakeWatch {
  rv: string;
  emit(type: string, object: unknown): void;
  done(err?: unknown): void;
  aborted: boolean;
}

/** A list/watch source driven by the test: lists come from `lists`, watches are recorded. */
class FakeSource implements ListWatchSource {
  readonly name = 'fake';
  lists: (ListResult | Error)[] = [];
  listCalls = 0;
  watches: FakeWatch[] = [];
  /** When set, watch() hangs (a connect that never completes) until the test resolves it. */
  hang: ((resolve: () => void) => void) | undefined;

  async list(): Promise<ListResult> {
    this.listCalls++;
    const next = this.lists.shift();
    if (!next) throw new Error('no list prepared');
    if (next instanceof Error) throw next;
    return next;
  }

  async watch(rv: string, onEvent: (e: WatchEvent) => void, onDone: (err: unknown) => void) {
    const w: FakeWatch = {
      rv,
      emit: (type, object) => onEvent({ type, object }),
      done: (err) => onDone(err ?? null),
      aborted: false,
    };
    this.watches.push(w);
    if (this.hang) await new Promise<void>((r) => this.hang!(r));
    return { abort: () => void (w.aborted = true) };
  }
}

const obj = (name: string, rv: string) => ({ metadata: { namespace: 'ns', name, resourceVersion: rv } });
const httpError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { statusCode: code });

let source: FakeSource;
let events: [InformerEventType, string][];
let restarts: RestartReason[];
let informer: Informer;

function startInformer(staleAfterMs = 10_000): Informer {
  informer = new Informer({
    source,
    onEvent: (type, o) => events.push([type, (o as ReturnType<typeof obj>).metadata.name]),
    onRestart: (reason) => restarts.push(reason),
    staleAfterMs,
    backoff: { baseMs: 100, maxMs: 1_000 },
    logger: pino({ level: 'silent' }),
    random: () => 1, // no jitter: delays are exactly base·2^n, capped
  });
  informer.start();
  return informer;
}

const tick = (ms = 0) => jest.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  jest.useFakeTimers();
  source = new FakeSource();
  events = [];
  restarts = [];
});
afterEach(async () => {
  await informer?.stop();
  jest.useRealTimers();
});

describe('Informer', () => {
  it('lists, then watches from the list resourceVersion; bookmarks advance it', async () => {
    source.lists.push({ items: [obj('a', '5')], resourceVersion: '10' });
    startInformer();
    await informer.synced;
    await tick();
    expect(events).toEqual([['ADDED', 'a']]);
    expect(source.watches.map((w) => w.rv)).toEqual(['10']);

    const w = source.watches[0]!;
    w.emit('ADDED', obj('b', '11'));
    w.emit('MODIFIED', obj('a', '12'));
    w.emit('BOOKMARK', { metadata: { resourceVersion: '20' } });
    w.emit('DELETED', obj('b', '21'));
    w.emit('BOOKMARK', { metadata: { resourceVersion: '30' } });
    expect(events.slice(1)).toEqual([
      ['ADDED', 'b'],
      ['MODIFIED', 'a'],
      ['DELETED', 'b'],
    ]);

    // A clean close (server timeout): a new watch from the last bookmark, no re-list.
    w.done();
    await tick(100);
    expect(restarts).toEqual(['closed']);
    expect(source.watches.map((x) => x.rv)).toEqual(['10', '30']);
    expect(source.listCalls).toBe(1);
  });

  it('reconnects after errors with capped exponential backoff, reset once a watch delivers', async () => {
    source.lists.push({ items: [], resourceVersion: '1' });
    startInformer();
    await informer.synced;
    await tick();
    const fail = () => source.watches.at(-1)!.done(new Error('connection reset'));

    fail();
    await tick(99);
    expect(source.watches).toHaveLength(1); // 100 ms backoff not over yet
    await tick(1);
    expect(source.watches).toHaveLength(2);
    fail();
    await tick(199);
    expect(source.watches).toHaveLength(2);
    await tick(1);
    expect(source.watches).toHaveLength(3);
    for (let i = 0; i < 5; i++) {
      fail();
      await tick(1_000); // capped at maxMs
    }
    expect(source.watches).toHaveLength(8);
    expect(restarts.every((r) => r === 'error')).toBe(true);

    // A watch that delivered anything resets the backoff.
    source.watches.at(-1)!.emit('BOOKMARK', { metadata: { resourceVersion: '2' } });
    fail();
    await tick(100);
    expect(source.watches).toHaveLength(9);
    expect(source.watches.at(-1)!.rv).toBe('2');
    expect(source.listCalls).toBe(1);
  });

  it('re-lists after 410 Gone (an ERROR event or the HTTP status) and reports what vanished as DELETED', async () => {
    source.lists.push(
      { items: [obj('a', '1'), obj('b', '2')], resourceVersion: '2' },
      { items: [obj('a', '7')], resourceVersion: '9' },
      { items: [obj('a', '7'), obj('c', '12')], resourceVersion: '12' },
    );
    startInformer();
    await informer.synced;
    await tick();
    source.watches[0]!.emit('ERROR', { kind: 'Status', code: 410, message: 'too old resource version' });
    await tick(100);
    expect(restarts).toEqual(['gone']);
    expect(source.listCalls).toBe(2);
    expect(events).toEqual([
      ['ADDED', 'a'],
      ['ADDED', 'b'],
      ['SYNC', 'a'],
      ['DELETED', 'b'],
    ]);
    expect(source.watches.map((w) => w.rv)).toEqual(['2', '9']);

    source.watches[1]!.done(httpError(410));
    await tick(200);
    expect(source.listCalls).toBe(3);
    expect(events.slice(4)).toEqual([
      ['SYNC', 'a'],
      ['ADDED', 'c'],
    ]);
    expect(source.watches.at(-1)!.rv).toBe('12');
  });

  it('retries a failing list (e.g. 429 on a just-established CRD) until it succeeds', async () => {
    source.lists.push(httpError(429), httpError(429), { items: [obj('a', '1')], resourceVersion: '3' });
    startInformer();
    let synced = false;
    void informer.synced.then(() => (synced = true));
    await tick(100);
    expect(synced).toBe(false);
    await tick(200);
    expect(synced).toBe(true);
    expect(source.listCalls).toBe(3);
    expect(restarts).toEqual(['error', 'error']);
  });

  it('watchdog: restarts a watch silent for longer than staleAfterMs; bookmarks keep a quiet one alive', async () => {
    source.lists.push({ items: [], resourceVersion: '1' });
    startInformer(1_000);
    await informer.synced;
    await tick();
    const first = source.watches[0]!;
    // Bookmarks every 600 ms: quiet but alive.
    for (let i = 0; i < 5; i++) {
      await tick(600);
      first.emit('BOOKMARK', { metadata: { resourceVersion: String(2 + i) } });
    }
    expect(restarts).toEqual([]);
    expect(first.aborted).toBe(false);

    // Then silence: a dead connection nobody noticed.
    await tick(1_300);
    expect(first.aborted).toBe(true);
    expect(restarts).toEqual(['stale']);
    await tick(100);
    expect(source.watches).toHaveLength(2);
    expect(source.watches[1]!.rv).toBe('6');
    expect(source.listCalls).toBe(1);
  });

  it('watchdog: gives up on a connect that hangs, and aborts it if it completes later', async () => {
    source.lists.push({ items: [], resourceVersion: '1' });
    let release: (() => void) | undefined;
    source.hang = (r) => (release = r);
    startInformer(1_000);
    await informer.synced;
    await tick(1_300);
    expect(restarts).toEqual(['stale']);
    source.hang = undefined;
    await tick(100);
    expect(source.watches).toHaveLength(2);

    release!();
    await tick();
    expect(source.watches[0]!.aborted).toBe(true);
    source.watches[0]!.emit('ADDED', obj('ghost', '9')); // from the abandoned connection: ignored
    expect(events).toEqual([]);
    expect(source.watches[1]!.aborted).toBe(false);
  });

  it('stop() aborts the watch and ends the loop', async () => {
    source.lists.push({ items: [], resourceVersion: '1' });
    startInformer();
    await informer.synced;
    await tick();
    await informer.stop();
    expect(source.watches[0]!.aborted).toBe(true);
    await tick(5_000);
    expect(source.watches).toHaveLength(1);
  });
});

describe('Informer stop during a list', () => {
  it('opens no watch after a list that returns once stopped', async () => {
    jest.useFakeTimers();
    source = new FakeSource();
    let resolveList!: (r: ListResult) => void;
    source.list = () => new Promise<ListResult>((r) => (resolveList = r));
    startInformer();
    await tick();
    const stopped = informer.stop();
    resolveList({ items: [obj('a', '1')], resourceVersion: '1' });
    await stopped;
    expect(source.watches).toHaveLength(0);
    expect(events).toEqual([]);
  });
});
