import {
  CoordinationV1Api,
  CoreV1Api,
  createConfiguration,
  CustomObjectsApi,
  EventsV1Api,
  KubernetesObjectApi,
  ServerConfiguration,
  type KubeConfig,
  type Middleware,
} from '@kubernetes/client-node';

/** Activities: well inside an attempt of 30 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface KubeClients {
  objects: KubernetesObjectApi;
  custom: CustomObjectsApi;
  coordination: CoordinationV1Api;
  core: CoreV1Api;
  events: EventsV1Api;
}

export interface KubeClientOptions {
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Called per request: a signal that also aborts it (an activity's cancellation). */
  cancellation?: () => AbortSignal | undefined;
}

// client-node has no request timeout of its own: without one a hung apiserver
// wedges a handler, an activity or a lease renewal.
function requestSignalMiddleware(o: KubeClientOptions): Middleware {
  const timeoutMs = o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    pre: async (ctx) => {
      const timeout = AbortSignal.timeout(timeoutMs);
      const cancelled = o.cancellation?.();
      ctx.setSignal(cancelled ? AbortSignal.any([timeout, cancelled]) : timeout);
      return ctx;
    },
    post: async (rsp) => rsp,
  };
}

/**
 * API clients for the kubeconfig's current context, built like
 * KubeConfig.makeApiClient plus a timeout on every request. The one way the
 * activities, the watcher and the CLI talk to an apiserver.
 */
export function makeKubeClients(kubeConfig: KubeConfig, options: KubeClientOptions = {}): KubeClients {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [requestSignalMiddleware(options)],
  });
  return {
    objects: new KubernetesObjectApi(config),
    custom: new CustomObjectsApi(config),
    coordination: new CoordinationV1Api(config),
    core: new CoreV1Api(config),
    events: new EventsV1Api(config),
  };
}
