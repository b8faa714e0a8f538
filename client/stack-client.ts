import type { Client, WorkflowHandle } from '@temporalio/client';
import { stackWorkflowId, WORKFLOW_TASK_QUEUE, type StackRef } from '../domain/stack-ref.js';
import {
  specChangedSignal,
  statusQuery,
  teardownSignal,
  type DesiredSpec,
  type StackOptionsOverrides,
  type StackView,
  type TeardownRequest,
} from '../workflows/definitions.js';
import { SA } from '../workflows/search-attributes.js';
import type { stackWorkflow } from '../workflows/stack.js';

/**
 * Hands a spec to its stack's workflow: signal-with-start, so the first event
 * starts the one workflow per stack and every later one only signals it. The
 * workflow ignores a generation it has already seen, so duplicates are harmless.
 */
export async function signalStack(
  client: Client,
  ref: StackRef,
  desired: DesiredSpec,
  options?: StackOptionsOverrides,
): Promise<WorkflowHandle<typeof stackWorkflow>> {
  return client.workflow.signalWithStart<typeof stackWorkflow, [DesiredSpec]>('stackWorkflow', {
    workflowId: stackWorkflowId(ref),
    taskQueue: WORKFLOW_TASK_QUEUE,
    args: [{ ref, desired, ...(options ? { options } : {}) }],
    signal: specChangedSignal,
    signalArgs: [desired],
    typedSearchAttributes: [
      { key: SA.cluster, value: ref.cluster },
      { key: SA.namespace, value: ref.namespace },
      { key: SA.name, value: ref.name },
      { key: SA.phase, value: 'Pending' },
    ],
    staticSummary: `MonitoringStack ${ref.namespace}/${ref.name} in cluster ${ref.cluster}`,
  });
}

export async function requestTeardown(
  client: Client,
  ref: Pick<StackRef, 'cluster' | 'namespace' | 'name'>,
  request: TeardownRequest,
): Promise<void> {
  await client.workflow.getHandle(stackWorkflowId(ref)).signal(teardownSignal, request);
}

export async function queryStack(
  client: Client,
  ref: Pick<StackRef, 'cluster' | 'namespace' | 'name'>,
): Promise<StackView> {
  return client.workflow.getHandle(stackWorkflowId(ref)).query(statusQuery);
}
