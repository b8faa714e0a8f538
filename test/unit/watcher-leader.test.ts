import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import pino from 'pino';
import { LeaderElector } from '../../watcher/leader.js';

/** One Lease with apiserver semantics: create conflicts if present, replace needs the current resourceVersion. */
class FakeLeases {
  lease: V1Lease | undefined;
  failing = false;
  private rv = 0;
  private store(body: V1Lease) {
    this.lease = structuredClone({
      ...body,
      metadata: { ...body.metadata, resourceVersion: String(++this.rv) },
    });
    return structuredClone(this.lease);
  }
  private fail() {
    if (this.failing) throw new Error('apiserver unreachable');
  }
  readonly api = {
    readNamespacedLease: async () => {
      this.fail();
      if (!this.lease) throw Object.assign(new Error('not found'), { code: 404 });
      return structuredClone(this.lease);
    },
    createNamespacedLease: async ({ body }: { body: V1Lease }) => {
      this.fail();
      if (this.lease) throw Object.assign(new Error('exists'), { code: 409 });
      return this.store(body);
    },
    replaceNamespacedLease: async ({ body }: { body: V1Lease }) => {
      this.fail();
      if (body.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion)
        throw Object.assign(new Error('conflict'), { code: 409 });
      return this.store(body);
    },
  } as unknown as CoordinationV1Api;
  /** Another process renews the lease as its holder. */
  renewAs(holder: string) {
    this.store({
      ...this.lease!,
      spec: { ...this.lease?.spec, holderIdentity: holder, leaseDurationSeconds: 3 },
    });
  }
}

const LEASE = { leaseName: 'l', leaseNamespace: 'ns', leaseDurationMs: 3_000, renewMs: 500 };
let leases: FakeLeases;
const electors: LeaderElector[] = [];

function elector(identity: string) {
  const log: string[] = [];
  const e = new LeaderElector({
    ...LEASE,
    coordination: leases.api,
    identity,
    logger: pino({ level: 'silent' }),
    onStartedLeading: () => void log.push('start'),
    onStoppedLeading: () => void log.push('stop'),
    onFollowing: () => void log.push('follow'),
  });
  electors.push(e);
  e.start();
  return { e, log };
}
const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  jest.useFakeTimers();
  leases = new FakeLeases();
});
afterEach(async () => {
  for (const e of electors.splice(0)) await e.stop(false);
  jest.useRealTimers();
});

describe('LeaderElector', () => {
  it('takes a free lease, renews it every renewMs, and releases it on stop', async () => {
    const a = elector('a');
    await advance(0);
    expect(a.e.isLeader).toBe(true);
    expect(leases.lease?.spec).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 3,
      leaseTransitions: 0,
    });
    const rv = leases.lease?.metadata?.resourceVersion;
    await advance(1_000);
    expect(Number(leases.lease?.metadata?.resourceVersion)).toBe(Number(rv) + 2);
    await a.e.stop();
    expect(a.log).toEqual(['start', 'stop']);
    expect(leases.lease?.spec?.holderIdentity).toBe('');
  });

  it('never lets two candidates lead; the standby follows, and takes over once the leader stops renewing', async () => {
    const a = elector('a');
    await advance(0);
    const b = elector('b');
    for (let t = 0; t < 10_000; t += 250) {
      await advance(250);
      expect(a.e.isLeader && b.e.isLeader).toBe(false);
    }
    expect(a.e.isLeader).toBe(true);
    expect(b.log.filter((x) => x !== 'follow')).toEqual([]);
    expect(b.e.isFollowing()).toBe(true);

    await a.e.stop(false); // a crash: the lease is not released
    expect(leases.lease?.spec?.holderIdentity).toBe('a');
    await advance(2_500);
    expect(b.e.isLeader).toBe(false); // not expired yet
    await advance(1_500);
    expect(b.e.isLeader).toBe(true);
    expect(leases.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('a free (released) lease is taken at the next round, without waiting for expiry', async () => {
    const a = elector('a');
    await advance(0);
    const b = elector('b');
    await advance(600);
    await a.e.stop();
    await advance(600);
    expect(b.e.isLeader).toBe(true);
  });

  it('steps down when a renewal fails, and leads again once the lease can be renewed', async () => {
    const a = elector('a');
    await advance(0);
    leases.failing = true;
    await advance(500);
    expect(a.e.isLeader).toBe(false);
    expect(a.log).toEqual(['start', 'stop']);
    leases.failing = false;
    await advance(500);
    expect(a.e.isLeader).toBe(true); // still its own lease
    expect(a.log).toEqual(['start', 'stop', 'start']);
  });

  it('steps down when someone else holds the lease', async () => {
    const a = elector('a');
    await advance(0);
    leases.renewAs('intruder');
    await advance(500);
    expect(a.e.isLeader).toBe(false);
    expect(a.log).toEqual(['start', 'stop', 'follow']);
  });
});
