import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure, CancelledFailure, type Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { kubernetesFailure } from '../../activities/kubernetes/failure.js';
import { createKubernetesActivities } from '../../activities/kubernetes/index.js';
import type { StackRef } from '../../domain/stack-ref.js';
import { requireEnv } from '../support/env.js';

// How Kubernetes failures reach Temporal: real refusals and unreachable
// apiservers, plus the classification rule for answers hard to provoke.

const kc = new k8s.KubeConfig();
kc.loadFromFile(requireEnv('KUBECONFIG'));
const ref: StackRef = { cluster: 'c', namespace: 'default', name: 'errors', uid: '' };

function withServer(server: string): k8s.KubeConfig {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no cluster in kubeconfig');
  const other = new k8s.KubeConfig();
  other.loadFromClusterAndUser({ ...cluster, server }, { name: 'nobody' });
  return other;
}

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

// Accepts connections and never answers: a hung apiserver.
const sockets = new Set<Socket>();
let silent: Server | undefined;
async function silentServer(): Promise<string> {
  silent = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => silent?.listen(0, '127.0.0.1', r));
  const addr = silent.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return `https://127.0.0.1:${addr.port}`;
}
afterAll(() => {
  for (const s of sockets) s.destroy();
  silent?.close();
});

const statusBody = (code: number, message: string) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code });

describe('Kubernetes failures', () => {
  it('403 (credentials without permission) fails for good', async () => {
    const anonymous = new k8s.KubeConfig();
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('no cluster in kubeconfig');
    anonymous.loadFromClusterAndUser(cluster, { name: 'anonymous' });
    const acts = createKubernetesActivities({ kubeConfig: anonymous, cluster: 'c' });
    const err = await failureOf(acts.prometheusReadiness({ ref }));
    expect(err.nonRetryable).toBe(true);
    expect(err.type).toBe('KubernetesHttp403');
    expect(err.message).toContain('read StatefulSet default/errors-prometheus');
    expect(err.message).toContain('the credentials lack permission');
  });

  it('an unreachable apiserver is retryable', async () => {
    const acts = createKubernetesActivities({ kubeConfig: withServer('https://127.0.0.1:1'), cluster: 'c' });
    const err = await failureOf(acts.deleteExposure({ ref }));
    expect(err.nonRetryable).toBe(false);
    expect(err.type).toBe('KubernetesUnreachable');
    expect(err.message).toContain('Ingress default/errors-prometheus');
  });

  it('a request that outlives its timeout is aborted and retryable', async () => {
    const acts = createKubernetesActivities({ kubeConfig: kc, cluster: 'c', requestTimeoutMs: 1 });
    const err = await failureOf(acts.getStack({ ref }));
    expect(err.nonRetryable).toBe(false);
    expect(err.type).toBe('KubernetesUnreachable');
    expect(err.message).toMatch(/aborted/);
  });

  it('a hung request ends when Temporal cancels the activity', async () => {
    const acts = createKubernetesActivities({ kubeConfig: withServer(await silentServer()), cluster: 'c' });
    const quiet: Logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
    const env = new MockActivityEnvironment(undefined, { logger: quiet });
    const started = Date.now();
    const run = env.run(acts.prometheusReadiness, { ref });
    setTimeout(() => env.cancel(), 300);
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    // Reported as the cancellation it is, so the worker completes the activity as cancelled.
    expect(err).toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(5000); // long before the 10 s request timeout
  });

  it('classifies answers: 429 and 5xx retry after Retry-After, 409 only where a retry re-reads, 422 quotes the apiserver', () => {
    const busy = kubernetesFailure(
      'apply Service ns/x',
      new k8s.ApiException(429, 'Too Many Requests', statusBody(429, 'slow down'), { 'retry-after': '7' }),
    );
    expect(busy).toMatchObject({ nonRetryable: false, type: 'KubernetesHttp429', nextRetryDelay: 7000 });
    expect(busy.message).toBe('apply Service ns/x: Kubernetes answered 429: slow down');

    const down = kubernetesFailure('read X', new k8s.ApiException(503, 'x', '<html>bad gateway</html>', {}));
    expect(down).toMatchObject({ nonRetryable: false, type: 'KubernetesHttp503' });
    expect(down.message).toContain('<html>bad gateway</html>');

    const conflict = new k8s.ApiException(
      409,
      'Conflict',
      statusBody(409, 'the object has been modified'),
      {},
    );
    expect(kubernetesFailure('write status', conflict, [409]).nonRetryable).toBe(false);
    expect(kubernetesFailure('create', conflict).nonRetryable).toBe(true);

    const invalid = kubernetesFailure(
      'apply StatefulSet ns/x',
      new k8s.ApiException(
        422,
        'x',
        statusBody(422, 'StatefulSet.apps "x" is invalid: spec.replicas: bad'),
        {},
      ),
    );
    expect(invalid).toMatchObject({ nonRetryable: true, type: 'KubernetesHttp422' });
    expect(invalid.message).toBe(
      'apply StatefulSet ns/x: Kubernetes answered 422: StatefulSet.apps "x" is invalid: spec.replicas: bad',
    );

    // client-node leaves the body out for some statuses; its own summary is the message then.
    const unauthorized = kubernetesFailure(
      'read X',
      new k8s.ApiException(401, 'Unauthorized', undefined, {}),
    );
    expect(unauthorized.message).toBe(
      'read X: Kubernetes answered 401: Unauthorized (check the credentials configured for it)',
    );
  });
});
