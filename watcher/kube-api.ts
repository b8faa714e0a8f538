import {
  CoordinationV1Api,
  createConfiguration,
  CustomObjectsApi,
  ServerConfiguration,
  type KubeConfig,
} from '@kubernetes/client-node';

export interface WatcherApis {
  custom: CustomObjectsApi;
  coordination: CoordinationV1Api;
}

/**
 * API clients for the kubeconfig's current cluster. client-node sets no request
 * timeout: every request here gets one, so a hung apiserver cannot wedge a
 * stack's handler or a lease renewal (a renewal must fail before the lease expires).
 */
export function makeApis(kubeConfig: KubeConfig, timeoutMs: number): WatcherApis {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [
      {
        pre: async (ctx) => {
          ctx.setSignal(AbortSignal.timeout(timeoutMs));
          return ctx;
        },
        post: async (rsp) => rsp,
      },
    ],
  });
  return { custom: new CustomObjectsApi(config), coordination: new CoordinationV1Api(config) };
}

/** HTTP status of a client-node ApiException, if that is what `err` is. */
export function httpCode(err: unknown): number | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : undefined;
}
