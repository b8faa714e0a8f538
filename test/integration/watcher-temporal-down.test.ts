import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import axios from 'axios';
import { API_VERSION, FINALIZER, GROUP, KIND, PLURAL, VERSION } from '../../crd/constants.js';
import { stackWorkflowId } from '../../domain/stack-ref.js';
import { runWatcherProcess } from '../../watcher/main.js';
import { requireEnv } from '../support/env.js';
import { urlSpec, waitUntil } from './watcher-support.js';

// Temporal's frontend is down when the watcher process starts: it still
// lists, keeps finalizers, answers /readyz, retries each hand-over with
// backoff, and hands the stack over once Temporal answers; it never exits.
// The "frontend" is a TCP proxy to the real one that first refuses connections.

const cluster = `it-down-${randomUUID().slice(0, 6)}`;
const namespace = `${cluster}-ns`;
const kc = new k8s.KubeConfig();
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
let client: Client;
let connection: Connection;
let proxy: net.Server | undefined;
const sockets = new Set<net.Socket>();

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

function startProxy(port: number, target: string): Promise<void> {
  const [host, targetPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.split(':').pop())];
  proxy = net.createServer((inbound) => {
    const outbound = net.connect(targetPort, host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  return new Promise((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
}

beforeAll(async () => {
  kc.loadFromFile(requireEnv('KUBECONFIG'));
  core = kc.makeApiClient(k8s.CoreV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  connection = await Connection.connect({ address: requireEnv('TEMPORAL_ADDRESS') });
  client = new Client({ connection });
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  await client?.workflow
    .getHandle(stackWorkflowId({ cluster, namespace, name: 'web' }))
    .terminate('test over')
    .catch(() => undefined);
  await custom
    ?.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name: 'web',
        body: { metadata: { finalizers: null } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )
    .catch(() => undefined);
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  await connection?.close();
}, 60_000);

describe('watcher process with Temporal down at start', () => {
  it('retries with backoff without exiting, and hands over once Temporal answers', async () => {
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
      body: { apiVersion: API_VERSION, kind: KIND, metadata: { name: 'web' }, spec: urlSpec() },
    });
    const [temporalPort, httpPort] = [await freePort(), await freePort()];
    const stop = new AbortController();
    let exited: unknown;
    const proc = runWatcherProcess(
      {
        KUBECONFIG: requireEnv('KUBECONFIG'),
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
        STACKWRIGHT_CLUSTER: cluster,
        STACKWRIGHT_WATCH_NAMESPACES: namespace,
        STACKWRIGHT_LEADER_ELECTION: 'false',
        STACKWRIGHT_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
        LOG_LEVEL: 'error',
      },
      stop.signal,
    ).then(
      () => (exited = 'resolved'),
      (e: unknown) => (exited = e),
    );
    const metric = async (name: string) => {
      const text = String((await axios.get(`http://127.0.0.1:${httpPort}/metrics`)).data);
      return Number(text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm'))?.[1] ?? 0);
    };
    try {
      await waitUntil('/readyz', () =>
        axios.get(`http://127.0.0.1:${httpPort}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        ),
      );
      // A failed hand-over can take up to the 10 s RPC deadline, then the backoff: two can take over
      // 20 s, more on a loaded machine (CI once missed a 30 s window).
      await waitUntil(
        'two failed hand-overs',
        async () => (await metric('stackwright_watcher_errors_total')) >= 2,
        90_000,
      );
      expect(exited).toBeUndefined();
      const got = (await custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name: 'web',
      })) as { metadata: { finalizers?: string[] } };
      expect(got.metadata.finalizers).toContain(FINALIZER);
      expect(await metric('stackwright_watcher_workflows_started_total')).toBe(0);

      await startProxy(temporalPort, requireEnv('TEMPORAL_ADDRESS'));
      await waitUntil(
        'handed over once Temporal answers',
        async () => (await metric('stackwright_watcher_workflows_started_total')) === 1,
        90_000,
      );
      const d = await client.workflow
        .getHandle(stackWorkflowId({ cluster, namespace, name: 'web' }))
        .describe();
      expect(d.status.name).toBe('RUNNING');
      expect(exited).toBeUndefined();
    } finally {
      stop.abort();
      await proc;
    }
    expect(exited).toBe('resolved');
  }, 240_000);
});
