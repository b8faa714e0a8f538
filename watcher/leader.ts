import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { httpStatus } from '../kube/errors.js';
import type { LeaderElectionOptions } from './options.js';

export interface LeaderElectorDeps extends LeaderElectionOptions {
  coordination: CoordinationV1Api;
  identity: string;
  logger: Logger;
  onStartedLeading(): Promise<void> | void;
  onStoppedLeading(): Promise<void> | void;
  /** After each round in which the lease was read and someone else holds it. */
  onFollowing?(): void;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: take
 * the lease when it is free or has not been renewed for its duration, renew it
 * every renewMs, and stop acting as soon as a renewal fails or someone else
 * holds it. Expiry is judged by when this process last saw the lease change,
 * not by the holder's timestamps, so clock skew between nodes does not matter.
 * Every write carries the resourceVersion read, so two candidates never both win.
 */
export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private tickDone: Promise<void> = Promise.resolve();
  private observedRv = '';
  private observedAt = 0;
  private lastReadAt = 0;

  constructor(private readonly d: LeaderElectorDeps) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** Following: the lease was read within its duration (a standby is ready while this holds). */
  isFollowing(now = Date.now()): boolean {
    return this.lastReadAt > 0 && now - this.lastReadAt < this.d.leaseDurationMs;
  }

  start(): void {
    this.schedule(0);
  }

  /** Stops campaigning; a leader steps down and, unless `release` is false, frees the lease for the next one. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tickDone;
    if (!this.leading) return;
    await this.stepDown('stopping');
    if (release) await this.release();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tickDone = this.tick().finally(() => this.schedule(this.d.renewMs));
    }, ms);
  }

  private get leaseSeconds(): number {
    return Math.max(1, Math.ceil(this.d.leaseDurationMs / 1000));
  }

  private async tick(): Promise<void> {
    try {
      await this.campaign();
      if (!this.leading && !this.stopped) this.d.onFollowing?.();
    } catch (e) {
      this.d.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'lease request failed');
      if (this.leading) await this.stepDown('lease renewal failed');
    }
  }

  private async campaign(): Promise<void> {
    const { leaseName: name, leaseNamespace: namespace, coordination, identity } = this.d;
    let lease: V1Lease | undefined;
    try {
      lease = await coordination.readNamespacedLease({ name, namespace });
    } catch (e) {
      if (httpStatus(e) !== 404) throw e;
    }
    const now = Date.now();
    this.lastReadAt = now;
    if (this.stopped) return;

    if (!lease) {
      await this.write(() =>
        coordination.createNamespacedLease({ namespace, body: this.leaseBody(undefined, 0, now) }),
      );
      return;
    }
    const rv = lease.metadata?.resourceVersion ?? '';
    if (rv !== this.observedRv) {
      this.observedRv = rv;
      this.observedAt = now;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const durationMs = (spec.leaseDurationSeconds ?? this.leaseSeconds) * 1000;
    const expired = now - this.observedAt > durationMs;

    if (holder !== identity && holder !== '' && !expired) {
      if (this.leading) await this.stepDown(`lease held by ${holder}`);
      return;
    }
    if (holder !== identity) this.d.logger.info({ previous: holder || undefined }, 'taking the lease');
    const transitions = (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    await this.write(() =>
      coordination.replaceNamespacedLease({ name, namespace, body: this.leaseBody(lease, transitions, now) }),
    );
  }

  /** Create or update the lease as ours; a 409 means another candidate won this round. */
  private async write(request: () => Promise<V1Lease>): Promise<void> {
    try {
      const written = await request();
      this.observedRv = written.metadata?.resourceVersion ?? '';
      this.observedAt = Date.now();
    } catch (e) {
      if (httpStatus(e) !== 409) throw e;
      if (this.leading) await this.stepDown('lost the lease to another candidate');
      return;
    }
    if (!this.leading && !this.stopped) {
      this.leading = true;
      this.d.logger.info({ lease: `${this.d.leaseNamespace}/${this.d.leaseName}` }, 'leading');
      await this.d.onStartedLeading();
    }
  }

  private leaseBody(current: V1Lease | undefined, transitions: number, now: number): V1Lease {
    const keepAcquire = current?.spec?.holderIdentity === this.d.identity && current.spec.acquireTime;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.d.leaseName,
        namespace: this.d.leaseNamespace,
        ...(current?.metadata?.resourceVersion && { resourceVersion: current.metadata.resourceVersion }),
      },
      spec: {
        holderIdentity: this.d.identity,
        leaseDurationSeconds: this.leaseSeconds,
        acquireTime: keepAcquire ? new V1MicroTime(keepAcquire) : new V1MicroTime(now),
        renewTime: new V1MicroTime(now),
        leaseTransitions: transitions,
      },
    };
  }

  private async stepDown(why: string): Promise<void> {
    this.leading = false;
    this.d.logger.warn({ why }, 'no longer leading; standing by');
    await this.d.onStoppedLeading();
  }

  /** Hands the lease back (holder cleared), so a standby takes over without waiting for expiry. */
  private async release(): Promise<void> {
    const { leaseName: name, leaseNamespace: namespace, coordination, identity } = this.d;
    try {
      const lease = await coordination.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const body = this.leaseBody(lease, lease.spec.leaseTransitions ?? 0, Date.now());
      await coordination.replaceNamespacedLease({
        name,
        namespace,
        body: { ...body, spec: { ...body.spec, holderIdentity: '', leaseDurationSeconds: 1 } },
      });
      this.d.logger.info('lease released');
    } catch (e) {
      this.d.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not release the lease');
    }
  }
}
