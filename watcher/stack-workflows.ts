import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { applySpec, queryStack, requestTeardown, startWithSpec } from '../client/stack-client.js';
import { parseDesiredKey, SA } from '../domain/search-attributes.js';
import { stackWorkflowId, type StackRef } from '../domain/stack-ref.js';
import { stackKey } from './stack-object.js';
import type { DesiredSpec, StackOptionsOverrides, TeardownRequest } from '../workflows/definitions.js';

type Ref = Pick<StackRef, 'cluster' | 'namespace' | 'name'>;

/** Is a stack workflow running under this stack's id, and for which CR incarnation (uid)? */
export type StackWorkflowState = { running: false } | { running: true; uid?: string };

/** Per `<namespace>/<name>`: the CR uid and generation its running stack workflow holds. */
export type HeldSpecs = Map<string, { uid: string; generation: number }>;

const quoted = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * The watcher's few Temporal calls, each with a deadline so a slow or absent
 * frontend (or a workflow whose worker is down, for queries) fails the handler,
 * which is then retried, instead of hanging it.
 */
export class StackWorkflows {
  constructor(
    private readonly client: Client,
    private readonly rpcTimeoutMs: number,
  ) {}

  private timed<T>(fn: () => Promise<T>): Promise<T> {
    return this.client.connection.withDeadline(Date.now() + this.rpcTimeoutMs, fn);
  }

  async isRunning(ref: Ref): Promise<boolean> {
    try {
      const d = await this.timed(() => this.client.workflow.getHandle(stackWorkflowId(ref)).describe());
      return d.status.name === 'RUNNING';
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return false;
      throw e;
    }
  }

  /** Running or not; with `withUid`, also whose CR it serves (a query, answered by a worker). */
  async state(ref: Ref, withUid: boolean): Promise<StackWorkflowState> {
    if (!(await this.isRunning(ref))) return { running: false };
    if (!withUid) return { running: true };
    try {
      const view = await this.timed(() => queryStack(this.client, ref));
      return { running: true, uid: view.ref.uid };
    } catch (e) {
      // Ended between describe and query.
      if (e instanceof WorkflowNotFoundError) return { running: false };
      throw e;
    }
  }

  /**
   * Hands this generation to the stack's workflow. First a plain start with the
   * generation in the workflow's input: one RPC, durable without a worker, and
   * all it takes for a stack with no workflow yet (every stack on a first
   * start). Only when one already runs, an update (answered by a worker):
   * 'signalled' (it took the generation), 'unchanged' (it had it or a newer
   * one), or `otherIncarnation` with the uid it serves (a CR deleted and
   * recreated under the same name). A spec the workflow calls invalid (e.g.
   * while it tears down) is an error: the reconcile is retried with backoff.
   */
  async handOver(
    ref: StackRef,
    desired: DesiredSpec,
    options: StackOptionsOverrides | undefined,
  ): Promise<'started' | 'signalled' | 'unchanged' | { otherIncarnation: string }> {
    if ((await this.timed(() => startWithSpec(this.client, ref, desired, options))) === 'started')
      return 'started';
    // If it ended meanwhile, update-with-start starts the next run with this update.
    const a = await this.timed(() => applySpec(this.client, ref, { ...desired, uid: ref.uid }, options));
    if (a.accepted) return a.first ? 'started' : 'signalled';
    if (a.reason === 'otherIncarnation') return { otherIncarnation: a.message };
    if (a.reason === 'invalid')
      throw new Error(`the stack workflow refused generation ${desired.generation}: ${a.message}`);
    return 'unchanged';
  }

  /**
   * What every running stack workflow of this cluster holds, from Temporal's
   * visibility (the StackDesired search attribute): one paginated list instead
   * of a start and an update per stack when a watcher starts among running
   * workflows. A workflow without the attribute (started before it existed) is
   * left out and handed over as before.
   */
  async listHeld(cluster: string): Promise<HeldSpecs> {
    const held: HeldSpecs = new Map();
    const query = `WorkflowType="stackWorkflow" AND ExecutionStatus="Running" AND ${SA.cluster.name}=${quoted(cluster)}`;
    // One deadline for all pages (ten at 10,000 stacks): reconciles wait for the list.
    await this.timed(async () => {
      for await (const wf of this.client.workflow.list({ query, pageSize: 1000 })) {
        const d = parseDesiredKey(wf.typedSearchAttributes.get(SA.desired));
        const namespace = wf.typedSearchAttributes.get(SA.namespace);
        const name = wf.typedSearchAttributes.get(SA.name);
        if (d && namespace && name) held.set(stackKey({ metadata: { namespace, name } }), d);
      }
    });
    return held;
  }

  /** false when no workflow is running to receive it. */
  async teardown(ref: Ref, request: TeardownRequest): Promise<boolean> {
    try {
      await this.timed(() => requestTeardown(this.client, ref, request));
      return true;
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return false;
      throw e;
    }
  }

  /**
   * Waits up to `ms` for the stack workflow to close (its teardown done); true
   * once it is no longer running. Long-polls for the result, so other stacks'
   * handlers go on meanwhile.
   */
  async waitClosed(ref: Ref, ms: number, signal: AbortSignal): Promise<boolean> {
    const handle = this.client.workflow.getHandle(stackWorkflowId(ref));
    try {
      await this.client.connection.withAbortSignal(AbortSignal.any([AbortSignal.timeout(ms), signal]), () =>
        handle.result(),
      );
      return true;
    } catch (e) {
      // Failed, terminated, timed out: closed all the same.
      if (e instanceof WorkflowFailedError || e instanceof WorkflowNotFoundError) return true;
    }
    if (signal.aborted) return false;
    return !(await this.isRunning(ref));
  }
}
