import { createHash } from 'node:crypto';
import https from 'node:https';
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
  type SecurityAuthentication,
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
 * The kubeconfig's credentials, applied per request as client-node does, but
 * over one keep-alive agent per TLS identity. client-node builds a new
 * https.Agent for every request, so each one paid a TLS handshake (a new
 * secure context, key and certificate parsed again): most of the watcher's
 * CPU when it hands thousands of stacks over at start, and a round trip more
 * per request for every activity.
 */
function keepAliveAuth(kubeConfig: KubeConfig): SecurityAuthentication {
  const agents = new Map<string, https.Agent>();
  return {
    getName: () => 'kubeconfig (keep-alive)',
    async applySecurityAuthentication(context) {
      await kubeConfig.applySecurityAuthentication(context);
      const fresh = context.getAgent();
      // Plain http, or a proxy agent: left as client-node made it.
      if (fresh?.constructor !== https.Agent) return;
      const o = fresh.options;
      const key = createHash('sha256')
        .update(
          JSON.stringify([o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername]),
        )
        .digest('hex');
      let agent = agents.get(key);
      if (!agent) {
        // Credentials that rotate (an exec plugin's client certificate) get their own agent; old ones idle out.
        // An idle socket is closed after 30 s, before the apiserver would close it under a request.
        agent = new https.Agent({ ...o, keepAlive: true, timeout: 30_000 });
        agents.set(key, agent);
      }
      context.setAgent(agent);
    },
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
    authMethods: { default: keepAliveAuth(kubeConfig) },
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
