// Shared by the watcher integration suites: CRs created through the Kubernetes
// API (the watcher does the rest), polling helpers, and a watcher with short timings.
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../crd/constants.js';
import type { MonitoringStackInput } from '../../crd/resource.js';
import { startWatcher, type Watcher, type WatcherOptions } from '../../watcher/index.js';
import { startHarness, TEST_OPTIONS, TEST_RUN_LABEL, type Harness } from '../support/saga-harness.js';
import { requireEnv } from '../support/env.js';

export const quiet = pino({ level: process.env.WATCHER_TEST_LOG ?? 'silent' });

/** Short timings so restarts, teardown checks and watchdogs happen within a test. */
export const TEST_TUNING: WatcherOptions['tuning'] = {
  staleAfterMs: 90_000,
  backoff: { baseMs: 100, maxMs: 2_000 },
  teardownWaitMs: 5_000,
};

export function watcherFor(h: Harness, extra: Partial<WatcherOptions> = {}): Watcher {
  return startWatcher({
    kubeConfig: h.kc,
    temporalClient: h.client,
    cluster: h.cluster,
    namespaces: [h.namespace],
    identity: 'watcher-test',
    stackOptions: TEST_OPTIONS,
    logger: quiet,
    tuning: TEST_TUNING,
    ...extra,
  });
}

export const urlSpec = (extra: Record<string, unknown> = {}): MonitoringStackInput['spec'] => ({
  prometheus: { replicas: 1, retention: '1d' },
  exposure: { url: requireEnv('PROMETHEUS_URL') },
  grafana: { instance: 'default' },
  ...extra,
});

export interface RawStack {
  metadata: {
    name: string;
    uid: string;
    generation: number;
    resourceVersion: string;
    finalizers?: string[];
    deletionTimestamp?: string;
    labels?: Record<string, string>;
  };
  spec: Record<string, unknown>;
  status?: {
    phase?: string;
    observedGeneration?: number;
    conditions?: {
      type: string;
      status: string;
      reason: string;
      message: string;
      observedGeneration?: number;
    }[];
    workflow?: { workflowId?: string };
  };
}

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** The MonitoringStack API of one namespace, raw (no parsing: invalid specs are the point of some tests). */
export function stacksApi(h: Harness) {
  const custom = h.kc.makeApiClient(k8s.CustomObjectsApi);
  const at = { group: GROUP, version: VERSION, namespace: h.namespace, plural: PLURAL };
  const api = {
    async create(name: string, spec: unknown): Promise<RawStack> {
      return (await custom.createNamespacedCustomObject({
        ...at,
        body: { apiVersion: API_VERSION, kind: KIND, metadata: { name, labels: testRunLabels(h) }, spec },
      })) as RawStack;
    },
    async get(name: string): Promise<RawStack | undefined> {
      try {
        return (await custom.getNamespacedCustomObject({ ...at, name })) as RawStack;
      } catch (e) {
        if ((e as { code?: number }).code === 404) return undefined;
        throw e;
      }
    },
    async patch(name: string, body: object): Promise<RawStack> {
      return (await custom.patchNamespacedCustomObject({ ...at, name, body }, mergePatch)) as RawStack;
    },
    async patchStatus(name: string, status: object): Promise<RawStack> {
      return (await custom.patchNamespacedCustomObjectStatus(
        { ...at, name, body: { status } },
        mergePatch,
      )) as RawStack;
    },
    async delete(name: string): Promise<void> {
      await custom.deleteNamespacedCustomObject({ ...at, name });
    },
    /** Polls the CR until `pred` holds (undefined: the CR is gone). */
    async waitFor(
      name: string,
      what: string,
      pred: (s: RawStack | undefined) => boolean,
      timeoutMs = 90_000,
    ): Promise<RawStack | undefined> {
      const deadline = Date.now() + timeoutMs;
      let last: RawStack | undefined;
      for (;;) {
        last = await api.get(name);
        if (pred(last)) return last;
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${name}: ${what}; last: ${JSON.stringify(last?.status ?? last)}`,
          );
        await sleep(300);
      }
    },
    waitReady: (name: string, generation: number, timeoutMs?: number) =>
      api.waitFor(
        name,
        `Ready at generation ${generation}`,
        (s) => s?.status?.phase === 'Ready' && s.status.observedGeneration === generation,
        timeoutMs,
      ) as Promise<RawStack>,
    waitGone: (name: string, timeoutMs?: number) =>
      api.waitFor(name, 'gone', (s) => s === undefined, timeoutMs),
  };
  return api;
}

export const condition = (s: RawStack | undefined, type: string) =>
  s?.status?.conditions?.find((c) => c.type === type);

/** Provision children of one stack: one per saga started. */
export async function provisionRuns(h: Harness, name: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of h.client.workflow.list({
    query: `WorkflowId STARTS_WITH "stack/${h.cluster}/${h.namespace}/${name}/provision/"`,
  }))
    ids.push(wf.workflowId);
  return ids.sort();
}

/** Visibility is eventually consistent: poll until the count settles at `n`. */
export async function waitProvisionRuns(
  h: Harness,
  name: string,
  n: number,
  timeoutMs = 15_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = await provisionRuns(h, name);
    if (ids.length === n || Date.now() > deadline) return ids;
    await sleep(300);
  }
}

export async function waitUntil(
  what: string,
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Test cleanup: deletes every MonitoringStack left in the namespace through a
 * short-lived watcher (real teardowns, so no datasource is left in Grafana),
 * then strips any finalizer still there, so deleting the namespace cannot hang.
 * Stop the test's own watchers first.
 */
export async function cleanUpStacks(h: Harness, timeoutMs = 45_000): Promise<void> {
  const custom = h.kc.makeApiClient(k8s.CustomObjectsApi);
  const at = { group: GROUP, version: VERSION, namespace: h.namespace, plural: PLURAL };
  const names = async () =>
    ((await custom.listNamespacedCustomObject(at)) as { items: RawStack[] }).items.map(
      (s) => s.metadata.name,
    );
  if ((await names()).length === 0) return;
  const w = watcherFor(h, { identity: 'watcher-cleanup' });
  try {
    await w.ready;
    for (const name of await names())
      await custom.deleteNamespacedCustomObject({ ...at, name }).catch(() => undefined);
    await waitUntil('stacks deleted', async () => (await names()).length === 0, timeoutMs).catch(
      () => undefined,
    );
  } finally {
    await w.stop();
  }
  for (const name of await names())
    await custom
      .patchNamespacedCustomObject({ ...at, name, body: { metadata: { finalizers: null } } }, mergePatch)
      .catch(() => undefined);
}

const testRunLabels = (h: Harness): Record<string, string> => ({ [TEST_RUN_LABEL]: h.cluster });

export type StacksApi = ReturnType<typeof stacksApi>;

/** A watcher test file's setup: its harness, its stacks API and a watcher on it, ready. */
export async function startWatched(
  extra: Partial<WatcherOptions> = {},
): Promise<{ h: Harness; stacks: StacksApi; w: Watcher }> {
  const h = await startHarness();
  const w = watcherFor(h, extra);
  await w.ready;
  return { h, stacks: stacksApi(h), w };
}

/** Its teardown: the watcher stopped, the stacks left torn down, the harness closed. */
export async function stopWatched(h: Harness | undefined, w: Watcher | undefined): Promise<void> {
  await w?.stop();
  if (h) await cleanUpStacks(h);
  await h?.close();
}
