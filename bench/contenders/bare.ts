import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { createGrafanaActivities } from '../../activities/grafana/activities.js';
import { loadGrafanaInstances } from '../../activities/grafana/config.js';
import { createKubernetesActivities } from '../../activities/kubernetes/index.js';
import { parseMonitoringStackSpec } from '../../crd/spec.js';
import { objectNames, type StackRef } from '../../domain/stack-ref.js';
import { datasourceParams } from '../../workflows/datasource-params.js';
import { sleep } from '../lib/clock.js';
import type { BenchEnv } from '../lib/env.js';

/**
 * What any script that survives 500 stacks at once does, and what the saga gets
 * from Temporal: a failure the activity classifies as retryable (a timeout, 5xx,
 * 429) is tried again, 1 s then doubling up to 30 s, for up to 5 minutes. (Without
 * it the bare script died on one apiserver timeout at N = 500.)
 */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 5 * 60_000;
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      return await call();
    } catch (e) {
      if ((e instanceof ApplicationFailure && e.nonRetryable) || Date.now() + delay > deadline) throw e;
      await sleep(delay);
    }
  }
}

interface StatefulSetView {
  metadata?: { name?: string; generation?: number };
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; observedGeneration?: number };
}

/**
 * The bare script P1 compares against: the same Kubernetes and Grafana calls as
 * the saga, in the same order, made directly (the product's own activity code,
 * without Temporal, without status writes), with readiness taken from a watch
 * as fast as the apiserver reports it, and retryable failures retried.
 */
export class BareScript {
  private readonly kube;
  private readonly grafana;
  private readonly readyWaiters = new Map<string, () => void>();
  private readonly ready = new Set<string>();
  private abort: AbortController | undefined;

  constructor(
    private readonly env: BenchEnv,
    private readonly namespace: string,
  ) {
    this.kube = createKubernetesActivities({ kubeConfig: env.kc, cluster: 'local' });
    this.grafana = createGrafanaActivities({
      instances: loadGrafanaInstances({
        GRAFANA_URL: env.vars.GRAFANA_URL,
        GRAFANA_TOKEN: env.vars.GRAFANA_TOKEN,
      }),
    });
  }

  /** One watch on the namespace's StatefulSets serves every stack's readiness wait. */
  async start(): Promise<void> {
    const watch = new k8s.Watch(this.env.kc);
    const connect = async (): Promise<void> => {
      this.abort = await watch.watch(
        `/apis/apps/v1/namespaces/${this.namespace}/statefulsets`,
        {},
        (_type: string, s: StatefulSetView) => {
          const name = s.metadata?.name;
          if (!name) return;
          const want = s.spec?.replicas ?? 1;
          const fresh = (s.status?.observedGeneration ?? 0) >= (s.metadata?.generation ?? 0);
          if (fresh && (s.status?.readyReplicas ?? 0) >= want) {
            this.ready.add(name);
            this.readyWaiters.get(name)?.();
          }
        },
        () => void (this.abort?.signal.aborted ? undefined : sleep(200).then(connect)),
      );
    };
    await connect();
  }

  stop(): void {
    const a = this.abort;
    this.abort = undefined;
    a?.abort();
  }

  private statefulSetReady(name: string): Promise<void> {
    if (this.ready.has(name)) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.set(name, resolve));
  }

  /** Provisions one stack whose CR (for owner references) exists; resolves when its datasource is healthy. */
  async provision(name: string, uid: string, rawSpec: unknown): Promise<void> {
    const parsed = parseMonitoringStackSpec(rawSpec);
    if (!parsed.ok) throw new Error(parsed.error);
    const spec = parsed.spec;
    const ref: StackRef = { cluster: 'local', namespace: this.namespace, name, uid };
    await retrying(() =>
      this.grafana.grafanaPreflight({ instance: spec.grafana.instance, orgId: spec.grafana.orgId }),
    );
    await retrying(() => this.kube.applyPrometheus({ ref, spec }));
    await this.statefulSetReady(objectNames(ref).statefulSet);
    await retrying(() => this.kube.applyExposure({ ref, spec }));
    const exposure = await retrying(() => this.kube.exposureStatus({ ref, spec }));
    if (!exposure.externalUrl) throw new Error(`no external url: ${exposure.message}`);
    const params = datasourceParams(ref, spec, exposure.externalUrl);
    await retrying(() => this.grafana.upsertDatasource(params));
    for (;;) {
      const h = await retrying(() =>
        this.grafana.datasourceHealth({ instance: params.instance, orgId: params.orgId, uid: params.uid }),
      );
      if (h.status === 'OK') return;
      await sleep(200);
    }
  }
}
