import {
  createConfiguration,
  CustomObjectsApi,
  KubernetesObjectApi,
  ServerConfiguration,
  type KubeConfig,
  type Middleware,
} from '@kubernetes/client-node';
import { asyncLocalStorage } from '@temporalio/activity';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface KubeClients {
  objects: KubernetesObjectApi;
  custom: CustomObjectsApi;
}

// client-node has no request timeout of its own: every request gets a signal
// that fires after timeoutMs, or when Temporal cancels the running activity.
function requestSignal(timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  const cancelled = asyncLocalStorage.getStore()?.cancellationSignal;
  return cancelled ? AbortSignal.any([timeout, cancelled]) : timeout;
}

function timeoutMiddleware(timeoutMs: number): Middleware {
  return {
    pre: async (ctx) => {
      ctx.setSignal(requestSignal(timeoutMs));
      return ctx;
    },
    post: async (rsp) => rsp,
  };
}

/** API clients for the kubeconfig's current context, built like KubeConfig.makeApiClient plus the timeout. */
export function makeClients(kubeConfig: KubeConfig, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): KubeClients {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [timeoutMiddleware(timeoutMs)],
  });
  return { objects: new KubernetesObjectApi(config), custom: new CustomObjectsApi(config) };
}
