import { asyncLocalStorage } from '@temporalio/activity';
import { z } from 'zod';
import { GROUP, KIND, MonitoringStackSchema, PLURAL, VERSION } from '../../crd/index.js';
import type { StackRef } from '../../domain/stack-ref.js';
import { isNotFound } from '../../kube/errors.js';
import { recordStackEvent } from '../../kube/stack-events.js';
import {
  InvalidStatusUpdateError,
  writeStackStatus,
  type StackStatusWrite,
} from '../../kube/stack-status.js';
import { checkRef, type KubeContext } from './context.js';
import { failure, nonRetryable } from './failure.js';
import type { GetStackResult, PatchStackStatusInput, PatchStackStatusResult, StackInput } from './types.js';

const describe = (ref: StackRef) => `${KIND} ${ref.namespace}/${ref.name}`;

/** The raw CR, or undefined when it does not exist. */
async function readStack(ctx: KubeContext, ref: StackRef): Promise<unknown> {
  try {
    return await ctx.custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ref.namespace,
      plural: PLURAL,
      name: ref.name,
    });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw failure(`read ${describe(ref)}`, err);
  }
}

/** The MonitoringStack, parsed; undefined when it does not exist. An unparsable one fails for good. */
export async function getStack(ctx: KubeContext, { ref }: StackInput): Promise<GetStackResult> {
  checkRef(ctx, ref);
  const raw = await readStack(ctx, ref);
  if (raw === undefined) return undefined;
  const r = MonitoringStackSchema.safeParse(raw);
  if (!r.success) {
    throw nonRetryable(`${describe(ref)} is invalid: ${z.prettifyError(r.error)}`, 'InvalidMonitoringStack');
  }
  return r.data;
}

/**
 * The status write of a workflow step, through the one status writer
 * (kube/stack-status.ts), on the CR read fresh: a concurrent writer (409) makes
 * the activity retry, which merges again. A CR that is gone, or was replaced by
 * a new one of the same name (other uid), is not written.
 */
export async function patchStackStatus(
  ctx: KubeContext,
  input: PatchStackStatusInput,
): Promise<PatchStackStatusResult> {
  const result = await writeStatus(ctx, input);
  if (result.found) await recordEvents(ctx, input);
  return result;
}

/** After the status: the Events of the same step, each counted once per activity (not per attempt). */
async function recordEvents(ctx: KubeContext, { ref, events }: PatchStackStatusInput): Promise<void> {
  // Outside an activity (tests) there is no occurrence to dedupe retries by.
  const info = asyncLocalStorage.getStore()?.info;
  const run = info?.workflowExecution?.runId;
  for (const [i, event] of (events ?? []).entries()) {
    try {
      await recordStackEvent(ctx.events, ref, event, {
        reportingInstance: ctx.reportingInstance,
        ...(info && run && { occurrence: `${run}/${info.activityId}/${i}` }),
      });
    } catch (err) {
      throw failure(`record Event ${event.reason} on ${describe(ref)}`, err, [409]);
    }
  }
}

async function writeStatus(
  ctx: KubeContext,
  { ref, update }: PatchStackStatusInput,
): Promise<PatchStackStatusResult> {
  checkRef(ctx, ref);
  const op = `write status of ${describe(ref)}`;
  let w: StackStatusWrite;
  try {
    w = await writeStackStatus(ctx.custom, ref, update);
  } catch (err) {
    if (err instanceof InvalidStatusUpdateError) throw nonRetryable(err.message, 'InvalidStatusUpdate');
    throw failure(op, err);
  }
  switch (w.result) {
    case 'gone':
      return { found: false };
    case 'conflict':
      throw failure(op, { code: 409, body: `${describe(ref)} changed meanwhile` }, [409]);
    default:
      return { found: true, status: w.status };
  }
}
