import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { backoffDelay } from '../../watcher/backoff.js';
import { KeyedQueue, type HandlerResult } from '../../watcher/keyed-queue.js';

type Handler = (key: string, item: string, signal: AbortSignal) => Promise<HandlerResult>;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

let queue: KeyedQueue<string> | undefined;
const errors: string[] = [];
function makeQueue(handle: Handler) {
  queue = new KeyedQueue<string>({
    handle,
    onError: (key, err) => errors.push(`${key}: ${(err as Error).message}`),
    backoff: { baseMs: 100, maxMs: 400 },
  });
  return queue;
}
const flush = () => jest.advanceTimersByTimeAsync(0);

afterEach(async () => {
  await queue?.stop();
  errors.length = 0;
  jest.useRealTimers();
});

describe('KeyedQueue', () => {
  it('runs one handler per key at a time and coalesces events to the newest', async () => {
    jest.useFakeTimers();
    const gate = deferred();
    const seen: string[] = [];
    const q = makeQueue(async (key, item) => {
      seen.push(`${key}=${item}`);
      if (item === 'a1') await gate.promise;
    });
    q.push('a', 'a1');
    q.push('a', 'a2');
    q.push('a', 'a3');
    q.push('b', 'b1'); // another key is not held up
    await flush();
    expect(seen).toEqual(['a=a1', 'b=b1']);
    gate.resolve();
    await flush();
    expect(seen).toEqual(['a=a1', 'b=b1', 'a=a3']);
    expect(q.size).toBe(0);
  });

  it('retries a failed handler with backoff, with the newest item by then', async () => {
    jest.useFakeTimers();
    const seen: string[] = [];
    const q = makeQueue(async (_key, item) => {
      seen.push(item);
      if (seen.length < 3) throw new Error(`fail ${seen.length}`);
    });
    q.push('a', 'v1');
    await flush();
    expect(errors).toEqual(['a: fail 1']);
    q.push('a', 'v2'); // arrives during the backoff: waits for it, then replaces v1
    // First retry after 50-100 ms (100 ms, half jittered), the second after 100-200 ms.
    await jest.advanceTimersByTimeAsync(49);
    expect(seen).toEqual(['v1']);
    await jest.advanceTimersByTimeAsync(51);
    expect(seen).toEqual(['v1', 'v2']);
    await jest.advanceTimersByTimeAsync(200);
    expect(seen).toEqual(['v1', 'v2', 'v2']);
    expect(errors).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(seen).toHaveLength(3);
  });

  it('calls again after requeueAfterMs when asked to (a teardown still running)', async () => {
    jest.useFakeTimers();
    let calls = 0;
    const q = makeQueue(async () => (++calls < 3 ? { requeueAfterMs: 50 } : undefined));
    q.push('a', 'x');
    await jest.advanceTimersByTimeAsync(200);
    expect(calls).toBe(3);
    expect(errors).toEqual([]);
  });

  it('forget() drops queued work and the retry of a running handler', async () => {
    jest.useFakeTimers();
    const gate = deferred();
    let calls = 0;
    const q = makeQueue(async () => {
      calls++;
      await gate.promise;
      throw new Error('boom');
    });
    q.push('a', 'x');
    await flush();
    q.push('a', 'y');
    q.forget('a');
    gate.resolve();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(1);
    expect(q.size).toBe(0);
  });

  it('stop() aborts running handlers through their signal and waits for them', async () => {
    let aborted = false;
    const q = makeQueue(
      (_key, _item, signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          }),
        ),
    );
    q.push('a', 'x');
    await q.stop();
    expect(aborted).toBe(true);
    q.push('a', 'y'); // ignored after stop
    expect(q.size).toBe(0);
  });
});

describe('backoffDelay', () => {
  const o = { baseMs: 500, maxMs: 30_000 };
  it('doubles per attempt up to the cap, with half of it jittered', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, o, () => 1))).toEqual([500, 1_000, 2_000, 4_000]);
    expect(backoffDelay(20, o, () => 1)).toBe(30_000);
    expect(backoffDelay(1_000, o, () => 1)).toBe(30_000);
    expect(backoffDelay(3, o, () => 0)).toBe(2_000);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(4, o);
      expect(d).toBeGreaterThanOrEqual(4_000);
      expect(d).toBeLessThanOrEqual(8_000);
    }
  });
});
