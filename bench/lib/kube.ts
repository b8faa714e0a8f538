import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../crd/constants.js';
import type { BenchEnv } from './env.js';
import { pool, sleep, until } from './clock.js';

/** Every object the bench creates carries this label (the bench's watcher selects on it). */
export const BENCH_LABEL = 'stackwright.dev/bench';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const code = (e: unknown) => (e as { code?: number }).code;

export async function createNamespace(env: BenchEnv, name: string): Promise<void> {
  const core = env.kc.makeApiClient(k8s.CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name, labels: { [BENCH_LABEL]: 'true' } } } });
  } catch (e) {
    if (code(e) !== 409) throw e;
  }
}

export interface RawStack {
  metadata: { name: string; uid: string; generation?: number; finalizers?: string[] };
  status?: { phase?: string; observedGeneration?: number; currentStep?: string };
}

const stacksAt = (namespace: string) => ({ group: GROUP, version: VERSION, namespace, plural: PLURAL });

/** Creates MonitoringStacks (at most `parallel` requests in flight); returns each one's uid and create time. */
export async function createStacks(
  env: BenchEnv,
  namespace: string,
  stacks: { name: string; spec: unknown }[],
  parallel = 25,
): Promise<{ name: string; uid: string; createdAt: number }[]> {
  const custom = env.kc.makeApiClient(k8s.CustomObjectsApi);
  return pool(stacks, parallel, async ({ name, spec }) => {
    const createdAt = Date.now();
    const cr = (await custom.createNamespacedCustomObject({
      ...stacksAt(namespace),
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name, labels: { [BENCH_LABEL]: 'true' } },
        spec,
      },
    })) as RawStack;
    return { name, uid: cr.metadata.uid, createdAt };
  });
}

/** A wait that ran out: the run's numbers up to then are still worth keeping. */
export class TimedOut extends Error {}

/**
 * Watches the MonitoringStacks of a namespace and records when each first
 * reports Ready (as fast as the apiserver tells it). Start it before the CRs are
 * created; `done(names)` resolves once all of them have been Ready.
 */
export class ReadyWatch {
  readonly readyAt = new Map<string, number>();
  readonly seen = new Map<string, RawStack>();
  private abort: AbortController | undefined;
  private stopped = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly env: BenchEnv,
    private readonly namespace: string,
  ) {}

  async start(): Promise<void> {
    const watch = new k8s.Watch(this.env.kc);
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${this.namespace}/${PLURAL}`;
    const connect = async (): Promise<void> => {
      if (this.stopped) return;
      this.abort = await watch.watch(
        path,
        {},
        (type: string, obj: RawStack) => {
          if (type === 'ERROR' || !obj?.metadata) return;
          this.seen.set(obj.metadata.name, obj);
          if (obj.status?.phase === 'Ready' && !this.readyAt.has(obj.metadata.name)) {
            this.readyAt.set(obj.metadata.name, Date.now());
            this.waiters.forEach((w) => w());
          }
        },
        () => void sleep(200).then(connect), // a watch that ends is reopened (a re-list re-sends ADDED)
      );
    };
    await connect();
  }

  async done(names: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!names.every((n) => this.readyAt.has(n))) {
      if (Date.now() > deadline) {
        const missing = names.filter((n) => !this.readyAt.has(n));
        const phases = new Map<string, number>();
        for (const n of missing) {
          const p = this.seen.get(n)?.status?.phase ?? 'no status';
          phases.set(p, (phases.get(p) ?? 0) + 1);
        }
        const why = [...phases].map(([p, c]) => `${c} ${p}`).join(', ');
        throw new TimedOut(
          `${missing.length} of ${names.length} stacks not Ready in ${timeoutMs / 1000}s (${why})`,
        );
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 1000);
      });
      this.waiters = [];
    }
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }
}

/**
 * Takes every finalizer off the namespace's MonitoringStacks (and the peer's
 * objects), so nothing waits on a controller that is not running.
 */
export async function clearFinalizers(env: BenchEnv, namespace: string): Promise<void> {
  const custom = env.kc.makeApiClient(k8s.CustomObjectsApi);
  for (const plural of [PLURAL, 'grafanadatasources', 'grafanas']) {
    const group = plural === PLURAL ? GROUP : 'grafana.integreatly.org';
    const version = plural === PLURAL ? VERSION : 'v1beta1';
    let items: RawStack[];
    try {
      items = (
        (await custom.listNamespacedCustomObject({ group, version, namespace, plural })) as {
          items: RawStack[];
        }
      ).items;
    } catch {
      continue; // that CRD is not installed
    }
    await pool(
      items.filter((i) => i.metadata.finalizers?.length),
      20,
      (i) =>
        custom
          .patchNamespacedCustomObject(
            {
              group,
              version,
              namespace,
              plural,
              name: i.metadata.name,
              body: { metadata: { finalizers: null } },
            },
            mergePatch,
          )
          .catch(() => undefined),
    );
  }
}

/**
 * Removes a bench namespace and waits until it is gone, so its objects' deletion
 * does not load the apiserver during the next measurement. Finalizers are
 * stripped first: the contender that would honour them is no longer running.
 */
export async function deleteNamespace(env: BenchEnv, namespace: string, timeoutMs = 300_000): Promise<void> {
  const core = env.kc.makeApiClient(k8s.CoreV1Api);
  await clearFinalizers(env, namespace);
  // kwok deletes a pod only once its grace period (Prometheus: 120 s) has run out: owners first, then the
  // pods at once, so nothing is left terminating into the next measurement.
  const apps = env.kc.makeApiClient(k8s.AppsV1Api);
  await apps
    .deleteCollectionNamespacedStatefulSet({ namespace, propagationPolicy: 'Background' })
    .catch(() => undefined);
  await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
  try {
    await core.deleteNamespace({ name: namespace });
  } catch (e) {
    if (code(e) === 404) return;
    throw e;
  }
  await until(
    `namespace ${namespace} deleted`,
    timeoutMs,
    async () => {
      try {
        await core.readNamespace({ name: namespace });
        return undefined;
      } catch (e) {
        return code(e) === 404 ? true : undefined;
      }
    },
    1000,
  );
}

/** Namespaces an earlier, interrupted bench run left behind. */
export async function leftoverNamespaces(env: BenchEnv): Promise<string[]> {
  const core = env.kc.makeApiClient(k8s.CoreV1Api);
  const list = await core.listNamespace({ labelSelector: `${BENCH_LABEL}=true` });
  return list.items.map((n) => n.metadata?.name ?? '').filter(Boolean);
}

const run = promisify(execFile);

/** `kubectl apply --server-side` of a file or directory (CRDs of the peer, from its module cache). */
export async function kubectlApply(env: BenchEnv, target: string): Promise<void> {
  await run(env.vars.KUBECTL, ['--kubeconfig', env.vars.KUBECONFIG, 'apply', '--server-side', '-f', target], {
    maxBuffer: 16 * 1024 * 1024,
  });
}
