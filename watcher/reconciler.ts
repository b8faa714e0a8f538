import os from 'node:os';
import type { CustomObjectsApi, EventsV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { parseMonitoringStackSpec, type MonitoringStackSpec } from '../crd/spec.js';
import type { StackOptionsOverrides, TeardownRequest } from '../workflows/definitions.js';
import { recordStackEvent } from '../kube/stack-events.js';
import { addFinalizer, hasFinalizer, removeFinalizer } from './finalizer.js';
import type { HandlerResult } from './keyed-queue.js';
import { Limiter } from './limiter.js';
import type { WatcherMetrics } from './metrics.js';
import { clearInvalidSpec, hasInvalidSpecCondition, reportInvalidSpec } from './spec-status.js';
import { stackKey, stackRef, type WatchedStack } from './stack-object.js';
import type { HeldSpecs, StackWorkflows } from './stack-workflows.js';

export interface ReconcilerDeps {
  cluster: string;
  custom: CustomObjectsApi;
  /** Events on the CR (an invalid spec), reported as stackwright.dev/operator. */
  events: EventsV1Api;
  workflows: StackWorkflows;
  stackOptions?: StackOptionsOverrides;
  metrics: WatcherMetrics;
  logger: Logger;
  teardownWaitMs: number;
  /** Stacks worked on at once (a teardown being waited for does not count). */
  concurrency: number;
}

/** While a teardown is still running, look again soon (each look long-polls teardownWaitMs). */
const TEARDOWN_RECHECK_MS = 1_000;

/**
 * Turns the state of one MonitoringStack into hand-overs to its stack workflow.
 * It decides nothing the workflow owns: it keeps the finalizer, rejects specs
 * that do not parse, passes each new generation on once, and asks for the
 * teardown on deletion. Called by the keyed queue, one call per stack at a time.
 */
export class Reconciler {
  /** Per stack key: the CR uid and generation last handed over (or reported invalid). */
  private readonly handled = new Map<string, { uid: string; generation: number }>();
  /** Per stack key: the CR uid whose stack workflow, if running, is known to serve that uid. */
  private readonly verified = new Map<string, string>();
  /** Per stack key: the CR uid whose workflow was last asked to tear down (to count each once). */
  private readonly teardownRequested = new Map<string, string>();

  /**
   * What the running stack workflows held when this term began, per stack key,
   * until that stack's first reconcile: a stack whose workflow already holds
   * its CR's uid and generation needs no RPC (a restart among N running
   * workflows is one visibility list, not N starts and N updates).
   */
  private held: HeldSpecs = new Map();
  private loaded: Promise<void> = Promise.resolve();

  private readonly limiter: Limiter;

  constructor(private readonly d: ReconcilerDeps) {
    this.limiter = new Limiter(d.concurrency);
  }

  /** Lists what running workflows hold; reconciles wait for it. A failed list only costs RPCs. */
  start(): void {
    const t0 = Date.now();
    this.loaded = this.d.workflows.listHeld(this.d.cluster).then(
      (held) => {
        this.held = held;
        this.d.logger.info(
          { workflows: held.size, ms: Date.now() - t0 },
          'listed the specs running stack workflows hold',
        );
      },
      (e: unknown) =>
        this.d.logger.warn(
          { err: e instanceof Error ? e.message : String(e) },
          'could not list running stack workflows; handing every stack over',
        ),
    );
  }

  /** The CR is gone: its caches go too. */
  forget(key: string): void {
    this.held.delete(key);
    this.handled.delete(key);
    this.verified.delete(key);
    this.teardownRequested.delete(key);
  }

  reconcile(s: WatchedStack, signal: AbortSignal): Promise<HandlerResult> {
    return this.limiter.run(() => this.reconcileNow(s, signal));
  }

  private async reconcileNow(s: WatchedStack, signal: AbortSignal): Promise<HandlerResult> {
    await this.loaded;
    if (signal.aborted) return; // no longer leading
    if (s.metadata.deletionTimestamp !== undefined) {
      return hasFinalizer(s) ? this.finalize(s, signal) : undefined;
    }
    if (!hasFinalizer(s)) {
      const patched = await addFinalizer(this.d.custom, s);
      if (patched === 'conflict') return;
      s = patched;
    }
    if (this.alreadyHeld(s)) return;
    const last = this.handled.get(stackKey(s));
    // Status writes (ours and the saga's) and metadata edits do not change the generation.
    if (last?.uid === s.metadata.uid && last.generation === s.metadata.generation) return;

    const parsed = parseMonitoringStackSpec(s.spec);
    if (!parsed.ok) return this.rejectSpec(s, parsed.error);
    return this.handOver(s, parsed.spec, signal);
  }

  /** The stack's workflow was listed at the start of the term holding this CR's generation. */
  private alreadyHeld(s: WatchedStack): boolean {
    const key = stackKey(s);
    const held = this.held.get(key);
    if (!held) return false;
    this.held.delete(key); // one use: later generations are handed over as usual
    if (held.uid !== s.metadata.uid || held.generation < s.metadata.generation) return false;
    this.verified.set(key, s.metadata.uid);
    this.markHandled(s);
    this.d.metrics.inc('stackwright_watcher_workflows_known_total');
    return true;
  }

  private log(s: WatchedStack): Logger {
    const { namespace, name, uid, generation } = s.metadata;
    return this.d.logger.child({ stack: `${namespace}/${name}`, uid, generation });
  }

  private markHandled(s: WatchedStack): void {
    this.handled.set(stackKey(s), { uid: s.metadata.uid, generation: s.metadata.generation });
  }

  private async rejectSpec(s: WatchedStack, error: string): Promise<HandlerResult> {
    const r = await reportInvalidSpec(this.d.custom, s, error);
    // conflict: a newer version exists and its own event follows; gone: nothing to report on.
    if (r === 'conflict' || r === 'gone') return;
    if (r === 'written') {
      this.d.metrics.inc('stackwright_watcher_invalid_specs_total');
      this.log(s).warn({ error }, 'invalid spec: InvalidSpec reported, no workflow started');
      // One Event per rejected generation (the status write happens once per generation).
      await recordStackEvent(
        this.d.events,
        s.metadata,
        { type: 'Warning', reason: 'InvalidSpec', action: 'ValidateSpec', note: error },
        { reportingInstance: `${os.hostname()}/watcher`, occurrence: `generation ${s.metadata.generation}` },
      ).catch((e: unknown) => this.log(s).warn({ err: String(e) }, 'could not record the InvalidSpec Event'));
    }
    this.markHandled(s);
  }

  private async handOver(
    s: WatchedStack,
    spec: MonitoringStackSpec,
    signal: AbortSignal,
  ): Promise<HandlerResult> {
    const key = stackKey(s);
    const ref = stackRef(this.d.cluster, s);
    if (hasInvalidSpecCondition(s)) {
      const r = await clearInvalidSpec(this.d.custom, s);
      if (r === 'conflict' || r === 'gone') return;
    }
    if (signal.aborted) return;
    // No describe or query first: the start, or the workflow's validator, judges
    // generation and CR uid in the one call that hands the spec over.
    const how = await this.d.workflows.handOver(
      ref,
      { generation: s.metadata.generation, spec },
      this.d.stackOptions,
    );
    if (typeof how === 'object') {
      // The CR was deleted and recreated while no watcher saw it: the running
      // workflow serves the old incarnation. It goes first (its objects are
      // owned by a CR that no longer exists), then this one starts afresh.
      this.verified.delete(key);
      this.log(s).warn(
        { workflow: how.otherIncarnation },
        'stack workflow belongs to an older CR; tearing it down first',
      );
      if (!(await this.teardownAndWait(s, { deletionPolicy: 'Delete' }, how.otherIncarnation, signal)))
        return { requeueAfterMs: TEARDOWN_RECHECK_MS };
      return { requeueAfterMs: 0 };
    }
    // Started with, or accepted (or already had) this uid's spec: it serves this CR.
    this.verified.set(key, s.metadata.uid);
    this.d.metrics.inc(
      how === 'started'
        ? 'stackwright_watcher_workflows_started_total'
        : how === 'signalled'
          ? 'stackwright_watcher_workflows_signalled_total'
          : 'stackwright_watcher_workflows_unchanged_total',
    );
    this.log(s).info({ workflow: how }, 'spec handed to the stack workflow');
    this.markHandled(s);
  }

  /** Deleting, our finalizer present: teardown first, finalizer off only once the workflow has ended. */
  private async finalize(s: WatchedStack, signal: AbortSignal): Promise<HandlerResult> {
    const key = stackKey(s);
    const ref = stackRef(this.d.cluster, s);
    const verify = this.verified.get(key) !== s.metadata.uid;
    const state = await this.d.workflows.state(ref, verify);
    if (state.running) {
      const own = !verify || state.uid === s.metadata.uid;
      if (!own)
        this.log(s).warn(
          { workflowUid: state.uid },
          'stack workflow belongs to an older CR; tearing it down',
        );
      const request = own ? teardownRequest(s) : { deletionPolicy: 'Delete' as const };
      const uid = own ? s.metadata.uid : (state.uid ?? '');
      if (!(await this.teardownAndWait(s, request, uid, signal)))
        return { requeueAfterMs: TEARDOWN_RECHECK_MS };
    }
    // No workflow (never started: invalid spec; or finished): nothing left to undo.
    if (signal.aborted) return;
    const r = await removeFinalizer(this.d.custom, s);
    if (r === 'removed') {
      this.d.metrics.inc('stackwright_watcher_finalizers_removed_total');
      this.log(s).info('teardown finished; finalizer removed');
    }
    this.forget(key);
  }

  /**
   * Asks the running stack workflow (serving CR `workflowUid`) to tear down and
   * waits a while for it to end; true once it has.
   */
  private async teardownAndWait(
    s: WatchedStack,
    request: TeardownRequest,
    workflowUid: string,
    signal: AbortSignal,
  ): Promise<boolean> {
    if (signal.aborted) return false;
    const ref = stackRef(this.d.cluster, s);
    const sent = await this.d.workflows.teardown(ref, request);
    if (!sent) return true;
    // The signal is idempotent; count and log it once per workflow's CR incarnation.
    if (this.teardownRequested.get(stackKey(s)) !== workflowUid) {
      this.teardownRequested.set(stackKey(s), workflowUid);
      this.d.metrics.inc('stackwright_watcher_teardowns_total');
      this.log(s).info({ deletionPolicy: request.deletionPolicy }, 'teardown requested');
    }
    // Waiting holds no place: other stacks go on meanwhile.
    this.limiter.release();
    try {
      return await this.d.workflows.waitClosed(ref, this.d.teardownWaitMs, signal);
    } finally {
      await this.limiter.acquire();
    }
  }
}

/** The deletion policy of the spec at deletion time; an unparsable spec still names one, or Delete. */
export function teardownRequest(s: WatchedStack): TeardownRequest {
  const parsed = parseMonitoringStackSpec(s.spec);
  if (parsed.ok) return { deletionPolicy: parsed.spec.deletionPolicy, spec: parsed.spec };
  const raw = (s.spec as { deletionPolicy?: unknown } | null)?.deletionPolicy;
  // The workflow falls back to the last spec it was given.
  return { deletionPolicy: raw === 'Orphan' ? 'Orphan' : 'Delete' };
}
