import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import {
  Informer,
  type ListWatchSource,
  type RestartReason,
  type WatchHandle,
} from '../../watcher/informer.js';
import { monitoringStackSource } from '../../watcher/kube-source.js';
import { startHarness, type Harness } from '../support/saga-harness.js';
import { quiet, stacksApi, urlSpec, waitUntil } from './watcher-support.js';

// The informer on the real apiserver: a dropped watch connection is reopened
// from its resourceVersion, and a resourceVersion the apiserver no longer
// has (410 Gone) leads to a re-list.
let h: Harness;
let stacks: ReturnType<typeof stacksApi>;
let informer: Informer | undefined;

beforeAll(async () => {
  h = await startHarness();
  stacks = stacksApi(h);
}, 120_000);
afterAll(async () => {
  await informer?.stop();
  await h?.close();
});

/** The real source, instrumented: counts lists, keeps the open watch, can start from a given resourceVersion. */
function instrumented(firstWatchRv?: string) {
  const real = monitoringStackSource(h.kc, h.kc.makeApiClient(k8s.CustomObjectsApi), h.namespace, 60);
  const state = { lists: 0, watchRvs: [] as string[], open: undefined as WatchHandle | undefined };
  let override = firstWatchRv;
  const source: ListWatchSource = {
    name: real.name,
    list: async () => {
      state.lists++;
      return real.list();
    },
    watch: async (rv, onEvent, onDone) => {
      const from = override ?? rv;
      override = undefined;
      state.watchRvs.push(from);
      return (state.open = await real.watch(from, onEvent, onDone));
    },
  };
  return { source, state };
}

function start(source: ListWatchSource) {
  const seen: string[] = [];
  const restarts: RestartReason[] = [];
  informer = new Informer({
    source,
    onEvent: (type, o) => seen.push(`${type} ${(o as { metadata: { name: string } }).metadata.name}`),
    onRestart: (r) => restarts.push(r),
    staleAfterMs: 90_000,
    backoff: { baseMs: 100, maxMs: 1_000 },
    logger: quiet,
  });
  informer.start();
  return { seen, restarts };
}

describe('informer against the apiserver', () => {
  it('reopens a dropped watch from its resourceVersion, without a re-list', async () => {
    await stacks.create('before', urlSpec());
    const { source, state } = instrumented();
    const { seen, restarts } = start(source);
    await informer!.synced;
    expect(seen).toEqual(['ADDED before']);
    await waitUntil('watch open', () => state.open !== undefined);

    state.open!.abort(); // the connection drops
    await waitUntil('watch reopened', () => state.watchRvs.length === 2);
    expect(restarts).toEqual(['error']);
    await stacks.create('after', urlSpec());
    await waitUntil('ADDED after', () => seen.includes('ADDED after'));
    expect(state.lists).toBe(1);
    await informer!.stop();
    informer = undefined;
  }, 60_000);

  it('re-lists when the apiserver answers 410 Gone for an expired resourceVersion', async () => {
    const { source, state } = instrumented('1');
    const { seen, restarts } = start(source);
    await informer!.synced;
    await waitUntil('re-listed after 410', () => state.lists === 2, 15_000);
    expect(restarts).toContain('gone');
    expect(seen.filter((e) => e.startsWith('ADDED')).sort()).toEqual(['ADDED after', 'ADDED before']);
    expect(seen.filter((e) => e.startsWith('SYNC')).sort()).toEqual(['SYNC after', 'SYNC before']);
  }, 60_000);

  it('lists in pages (limit/continue) as one snapshot, and watches on from its resourceVersion', async () => {
    await informer?.stop();
    for (const name of ['p1', 'p2', 'p3']) await stacks.create(name, urlSpec());
    const custom = h.kc.makeApiClient(k8s.CustomObjectsApi);
    const pages: { limit?: number; continued: boolean; items: number }[] = [];
    // Between the first and the second page another stack is created: not in this snapshot, so its ADDED comes from the watch.
    const counting = new Proxy(custom, {
      get(target, prop, receiver) {
        if (prop !== 'listNamespacedCustomObject') return Reflect.get(target, prop, receiver) as unknown;
        return async (req: k8s.CustomObjectsApiListNamespacedCustomObjectRequest) => {
          const page = (await target.listNamespacedCustomObject(req)) as { items: unknown[] };
          pages.push({ limit: req.limit, continued: req._continue !== undefined, items: page.items.length });
          if (pages.length === 1) await stacks.create('between', urlSpec());
          return page;
        };
      },
    });
    const source = monitoringStackSource(h.kc, counting, h.namespace, 60, undefined, 2);
    const { seen } = start(source);
    await informer!.synced;
    expect(pages).toEqual([
      { limit: 2, continued: false, items: 2 },
      { limit: 2, continued: true, items: 2 },
      { limit: 2, continued: true, items: 1 },
    ]);
    expect(seen.sort()).toEqual(['ADDED after', 'ADDED before', 'ADDED p1', 'ADDED p2', 'ADDED p3']);
    await waitUntil('ADDED between, from the watch', () => seen.includes('ADDED between'));
    await informer!.stop();
    informer = undefined;
  }, 60_000);
});
