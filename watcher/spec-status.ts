import type { CustomObjectsApi } from '@kubernetes/client-node';
import type { StatusUpdate } from '../domain/conditions.js';
import { statusOf, writeStackStatus } from '../kube/stack-status.js';
import type { WatchedStack } from './stack-object.js';

/** lastError.step of the errors this watcher reports, so it only ever clears its own. */
const SPEC_STEP = 'validateSpec';

export type StatusWriteResult = 'written' | 'unchanged' | 'conflict' | 'gone';

/**
 * Writes `update` through the one status writer, merged into the status the
 * event carried and guarded by that event's resourceVersion: a conflict means a
 * newer version exists, whose own event will be handled. Handling the
 * watcher's own status event again changes nothing, so writes nothing.
 */
async function writeStatus(
  custom: CustomObjectsApi,
  s: WatchedStack,
  update: StatusUpdate,
): Promise<StatusWriteResult> {
  const { resourceVersion } = s.metadata;
  const w = await writeStackStatus(custom, s.metadata, update, {
    observed: { resourceVersion, status: s.status },
  });
  return w.result;
}

/** The spec of this generation cannot be parsed: say why on the CR; no workflow gets it. */
export function reportInvalidSpec(
  custom: CustomObjectsApi,
  s: WatchedStack,
  message: string,
): Promise<StatusWriteResult> {
  return writeStatus(custom, s, {
    phase: 'Failed',
    observedGeneration: s.metadata.generation,
    conditions: [
      { type: 'InvalidSpec', status: 'True', reason: 'InvalidSpec', message },
      {
        type: 'Ready',
        status: 'False',
        reason: 'InvalidSpec',
        message: 'the spec is invalid; see InvalidSpec',
      },
    ],
    lastError: { step: SPEC_STEP, message },
  });
}

/** Whether the CR still says its spec is invalid (from an earlier generation). */
export function hasInvalidSpecCondition(s: WatchedStack): boolean {
  return statusOf(s.status).conditions?.some((c) => c.type === 'InvalidSpec' && c.status === 'True') ?? false;
}

/** A valid generation followed an invalid one: clear InvalidSpec before the workflow takes over. */
export function clearInvalidSpec(custom: CustomObjectsApi, s: WatchedStack): Promise<StatusWriteResult> {
  const ours = statusOf(s.status).lastError?.step === SPEC_STEP;
  return writeStatus(custom, s, {
    phase: 'Pending',
    observedGeneration: s.metadata.generation,
    conditions: [{ type: 'InvalidSpec', status: 'False', reason: 'SpecValid', message: 'the spec is valid' }],
    ...(ours && { lastError: null }),
  });
}
