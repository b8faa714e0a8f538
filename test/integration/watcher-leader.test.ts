import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { repoRoot } from '../../devstack/paths.js';
import type { Watcher } from '../../watcher/index.js';
import { startHarness, TEST_OPTIONS, type Harness } from '../support/saga-harness.js';
import { requireEnv } from '../support/env.js';
import {
  sleep,
  stacksApi,
  stopWatched,
  urlSpec,
  type StacksApi,
  waitProvisionRuns,
  waitUntil,
  watcherFor,
} from './watcher-support.js';

// Two or three watchers on one Lease: only the holder acts; a killed leader's
// lease is taken over once it expires; a graceful stop (SIGTERM) hands it over at once.
const LEASE = { leaseName: 'watcher-it', leaseDurationMs: 3_000, renewMs: 1_000 };

let h: Harness;
let stacks: StacksApi;
let coordination: k8s.CoordinationV1Api;
const children: ChildProcess[] = [];
let standby: Watcher | undefined;

beforeAll(async () => {
  h = await startHarness();
  stacks = stacksApi(h);
  coordination = h.kc.makeApiClient(k8s.CoordinationV1Api);
}, 120_000);
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await stopWatched(h, standby);
}, 90_000);

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** `watcher/run.ts` as its own process, configured by environment as in a pod. */
async function spawnWatcher(
  identity: string,
): Promise<{ proc: ChildProcess; url: string; exited: Promise<number | null> }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'watcher', 'run.ts')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      KUBECONFIG: requireEnv('KUBECONFIG'),
      TEMPORAL_ADDRESS: requireEnv('TEMPORAL_ADDRESS'),
      STACKWRIGHT_CLUSTER: h.cluster,
      STACKWRIGHT_WATCH_NAMESPACES: h.namespace,
      POD_NAME: identity,
      STACKWRIGHT_LEASE_NAME: LEASE.leaseName,
      STACKWRIGHT_LEASE_NAMESPACE: h.namespace,
      STACKWRIGHT_LEASE_DURATION_MS: String(LEASE.leaseDurationMs),
      STACKWRIGHT_LEASE_RENEW_MS: String(LEASE.renewMs),
      STACKWRIGHT_HTTP_ADDRESS: `127.0.0.1:${port}`,
      STACKWRIGHT_STACK_OPTIONS: JSON.stringify(TEST_OPTIONS),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  children.push(proc);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    `watcher process ${identity} ready`,
    async () => {
      if (proc.exitCode !== null) throw new Error(`watcher process exited ${proc.exitCode}: ${stderr}`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
    },
    30_000,
  );
  return { proc, url, exited };
}

const holder = async () =>
  (await coordination.readNamespacedLease({ name: LEASE.leaseName, namespace: h.namespace })).spec
    ?.holderIdentity;

const leaderGauge = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^stackwright_watcher_leader (\d)$/m.exec(text)?.[1]);
};

describe('watcher leader election', () => {
  it('only the lease holder acts; the standby is ready but idle; a killed leader is replaced after expiry', async () => {
    const a = await spawnWatcher('watcher-a');
    await waitUntil('watcher-a holds the lease', async () => (await holder()) === 'watcher-a');

    standby = watcherFor(h, {
      identity: 'watcher-b',
      leaderElection: { ...LEASE, leaseNamespace: h.namespace },
      httpAddress: '127.0.0.1:0',
    });
    await standby.ready;
    expect((await fetch(`${standby.httpUrl()}/readyz`)).status).toBe(200);
    expect(await leaderGauge(a.url)).toBe(1);
    expect(await leaderGauge(standby.httpUrl()!)).toBe(0);

    await stacks.create('one', urlSpec());
    await stacks.waitReady('one', 1);
    // The standby never ran an informer.
    expect(standby.metrics.total('stackwright_watcher_events_total')).toBe(0);
    expect(standby.isLeader()).toBe(false);

    // A crash: the lease stays with watcher-a until it expires, then watcher-b takes it.
    a.proc.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();
    expect(await holder()).toBe('watcher-a');
    await waitUntil('watcher-b leads', () => standby!.isLeader(), 15_000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(LEASE.leaseDurationMs - LEASE.renewMs);
    expect(await holder()).toBe('watcher-b');

    await stacks.create('two', urlSpec());
    await stacks.waitReady('two', 1);
    expect(standby.metrics.get('stackwright_watcher_workflows_started_total')).toBe(1);
    expect(standby.metrics.get('stackwright_watcher_leader')).toBe(1);
    // 'one' was re-listed by the new leader and handed over again: no second saga.
    await sleep(1_000);
    expect(await waitProvisionRuns(h, 'one', 1)).toHaveLength(1);
  }, 120_000);

  it('a graceful stop hands the lease over at once; SIGTERM stops a watcher process cleanly', async () => {
    const c = await spawnWatcher('watcher-c'); // ready as a standby: following the lease
    expect(await leaderGauge(c.url)).toBe(0);
    const stoppedAt = Date.now();
    await standby!.stop();
    standby = undefined;
    await waitUntil('watcher-c leads', async () => (await leaderGauge(c.url)) === 1, 10_000);
    // Released, so no wait for expiry: within a renew period or two.
    expect(Date.now() - stoppedAt).toBeLessThan(LEASE.leaseDurationMs);
    expect(await holder()).toBe('watcher-c');

    c.proc.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    expect(await holder()).toBe('');
  }, 90_000);
});
