import {
  ApplicationFailure,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowUpdateHandle,
} from '@temporalio/client';
import { parseMonitoringStackSpec } from '../crd/spec.js';
import { stackWorkflowId, WORKFLOW_TASK_QUEUE, type StackRef } from '../domain/stack-ref.js';
import {
  applySpecUpdate,
  driftCheckUpdate,
  retryUpdate,
  setPausedUpdate,
  STACK_REQUEST_REJECTED,
  statusQuery,
  teardownSignal,
  type ApplySpecRequest,
  type ApplySpecResult,
  type DesiredSpec,
  type DriftCheckResult,
  type PauseResult,
  type RejectionReason,
  type RetryResult,
  type StackOptionsOverrides,
  type StackView,
  type StackWorkflowInput,
  type TeardownRequest,
} from '../workflows/definitions.js';
import { desiredAttribute, SA } from '../domain/search-attributes.js';
import type { stackWorkflow } from '../workflows/stack.js';

type Ref = Pick<StackRef, 'cluster' | 'namespace' | 'name'>;

/** What a stack workflow answers to a request: done (with its result), or rejected and why. */
export type Answer<T> =
  ({ accepted: true } & T) | { accepted: false; reason: RejectionReason; message: string };

/** A validator's rejection as a value; anything else (not found, no worker in time) is thrown. */
async function answer<T extends object>(call: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { accepted: true, ...(await call()) };
  } catch (e) {
    const cause = e instanceof WorkflowUpdateFailedError ? e.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === STACK_REQUEST_REJECTED) {
      const reason = (cause.details?.[0] ?? 'invalid') as RejectionReason;
      return { accepted: false, reason, message: cause.message.replace(/^\w+: /, '') };
    }
    throw e;
  }
}

/**
 * Every spec a stack workflow gets is parsed here, with the CRD's schema: the
 * workflow trusts its input and checks only the shape (zod stays out of its bundle).
 */
function specError(spec: unknown): string | undefined {
  const parsed = parseMonitoringStackSpec(spec);
  return parsed.ok ? undefined : `the spec is invalid: ${parsed.error}`;
}

const handle = (client: Client, ref: Ref): WorkflowHandle<typeof stackWorkflow> =>
  client.workflow.getHandle<typeof stackWorkflow>(stackWorkflowId(ref));

/** How a stack workflow is started: one id per stack, its search attributes, a summary for the UI. */
function startOptions(ref: StackRef, options?: StackOptionsOverrides, desired?: DesiredSpec) {
  return {
    workflowId: stackWorkflowId(ref),
    taskQueue: WORKFLOW_TASK_QUEUE,
    args: [{ ref, ...(desired ? { desired } : {}), ...(options ? { options } : {}) }] as [StackWorkflowInput],
    typedSearchAttributes: [
      { key: SA.cluster, value: ref.cluster },
      { key: SA.namespace, value: ref.namespace },
      { key: SA.name, value: ref.name },
      { key: SA.phase, value: 'Pending' },
      ...(desired ? [desiredAttribute(ref.uid, desired.generation)] : []),
    ],
    staticSummary: `MonitoringStack ${ref.namespace}/${ref.name} in cluster ${ref.cluster}`,
  };
}

/**
 * Applies a spec to its stack's workflow with update-with-start: the first
 * request starts the one workflow per stack, every later one updates it, and
 * the answer says which generation it took (a request without a generation,
 * a direct stack, gets the next one) or why not: stale, duplicate, invalid,
 * otherIncarnation (with `uid`, when the workflow serves another CR).
 */
export async function applySpec(
  client: Client,
  ref: StackRef,
  request: ApplySpecRequest,
  options?: StackOptionsOverrides,
): Promise<Answer<ApplySpecResult>> {
  const invalid = specError(request.spec);
  if (invalid) return { accepted: false, reason: 'invalid', message: invalid };
  const start = new WithStartWorkflowOperation<typeof stackWorkflow>('stackWorkflow', {
    ...startOptions(ref, options),
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return answer(() =>
    client.workflow.executeUpdateWithStart(applySpecUpdate, {
      args: [request],
      startWorkflowOperation: start,
    }),
  );
}

/**
 * Starts the stack workflow with this generation in its input: one RPC, and
 * durable at once (in the start event), with no worker needed to take it.
 * 'running' when a workflow of that id already runs (it then needs `applySpec`).
 */
export async function startWithSpec(
  client: Client,
  ref: StackRef,
  desired: DesiredSpec,
  options?: StackOptionsOverrides,
): Promise<'started' | 'running'> {
  const invalid = specError(desired.spec);
  if (invalid) throw new Error(invalid);
  try {
    await client.workflow.start<typeof stackWorkflow>('stackWorkflow', {
      ...startOptions(ref, options, desired),
      workflowIdConflictPolicy: 'FAIL',
    });
    return 'started';
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) return 'running';
    throw e;
  }
}

/** Provision (or tear down) again after a failure; rejected on a Ready stack, while a saga runs or while paused. */
export const retry = (client: Client, ref: Ref): Promise<Answer<RetryResult>> =>
  answer(() => handle(client, ref).executeUpdate(retryUpdate));

/** Pause (true) or resume (false) reconciliation. */
export const setPaused = (client: Client, ref: Ref, paused: boolean): Promise<Answer<PauseResult>> =>
  answer(() => handle(client, ref).executeUpdate(setPausedUpdate, { args: [paused] }));

/** Runs the drift check now and resolves with its report. */
export const checkDrift = (client: Client, ref: Ref): Promise<Answer<DriftCheckResult>> =>
  answer(() => handle(client, ref).executeUpdate(driftCheckUpdate));

/**
 * Asks for a drift check and returns once a worker has taken the request (checks
 * of many stacks then run in parallel); `answer()` waits for the report, or
 * says why the request was rejected.
 */
export async function startDriftCheck(
  client: Client,
  ref: Ref,
): Promise<{
  handle: WorkflowUpdateHandle<DriftCheckResult>;
  answer: () => Promise<Answer<DriftCheckResult>>;
}> {
  const h = await handle(client, ref).startUpdate(driftCheckUpdate, { waitForStage: 'ACCEPTED' });
  return { handle: h, answer: () => answer(() => h.result()) };
}

/** The CR is being deleted: tear down by its deletion policy (fire-and-forget; the workflow then ends). */
export async function requestTeardown(client: Client, ref: Ref, request: TeardownRequest): Promise<void> {
  await handle(client, ref).signal(teardownSignal, request);
}

export async function queryStack(client: Client, ref: Ref): Promise<StackView> {
  return handle(client, ref).query(statusQuery);
}
