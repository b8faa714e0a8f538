import type { KubeConfig } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { StackOptionsOverrides } from '../workflows/definitions.js';
import type { BackoffOptions } from './backoff.js';

export interface LeaderElectionOptions {
  leaseName: string;
  leaseNamespace: string;
  /** How long a lease holds without renewal before another watcher may take it. */
  leaseDurationMs: number;
  /** How often the leader renews (and a standby retries). Well below leaseDurationMs. */
  renewMs: number;
}

export interface WatcherOptions {
  kubeConfig: KubeConfig;
  temporalClient: Client;
  /** The cluster this watcher's kubeconfig points at (StackRef.cluster). */
  cluster: string;
  /** Namespaces to watch; all when omitted or empty. */
  namespaces?: string[];
  /** Only stacks matching this label selector (e.g. to shard stacks across operators); all when omitted. */
  labelSelector?: string;
  /** This replica's name (the pod name): the lease holder identity. */
  identity: string;
  /** Passed to every stack workflow it starts. */
  stackOptions?: StackOptionsOverrides;
  /** Without it (the default) this watcher assumes it is the only one and always acts. */
  leaderElection?: LeaderElectionOptions | false;
  /** host:port for /healthz, /readyz and /metrics; no HTTP server when omitted. */
  httpAddress?: string;
  logger?: Logger;
  tuning?: Partial<WatcherTuning>;
}

/** Timings; the defaults suit production, tests shorten them. */
export interface WatcherTuning {
  /** A watch without any event for this long is restarted. The apiserver sends a bookmark about every minute. */
  staleAfterMs: number;
  /** Server-side watch timeout (jittered up to twice this): a watch is renewed from its resourceVersion regularly. */
  watchTimeoutSeconds: number;
  /** Reconnect backoff of the informer and per-stack retry backoff. */
  backoff: BackoffOptions;
  /** How long one pass waits for a stack workflow to finish its teardown before checking again. */
  teardownWaitMs: number;
  /** Timeout of each Kubernetes list, patch or lease request. */
  kubeRequestTimeoutMs: number;
  /** Deadline of each Temporal describe, query or signal. */
  temporalRpcTimeoutMs: number;
  /**
   * Stacks reconciled at once (finalizer patch, hand-over); the others queue. A
   * stack waiting for its teardown holds no place.
   */
  concurrency: number;
  /** MonitoringStacks per page of a list (at start and on every re-list). */
  listPageSize: number;
}

export const DEFAULT_TUNING: WatcherTuning = {
  staleAfterMs: 150_000,
  watchTimeoutSeconds: 300,
  backoff: { baseMs: 500, maxMs: 30_000 },
  teardownWaitMs: 30_000,
  kubeRequestTimeoutMs: 30_000,
  temporalRpcTimeoutMs: 10_000,
  concurrency: 64, // STACKWRIGHT_WATCHER_CONCURRENCY
  listPageSize: 500,
};
