import { isDeepStrictEqual } from 'node:util';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../crd/constants.js';
import { MonitoringStackStatusSchema } from '../crd/status.js';
import { mergeStatus, type StatusUpdate } from '../domain/conditions.js';
import { httpCode } from './kube-api.js';
import type { WatchedStack } from './stack-object.js';

/** lastError.step of the errors this watcher reports, so it only ever clears its own. */
const SPEC_STEP = 'validateSpec';

export type StatusWriteResult = 'written' | 'unchanged' | 'conflict' | 'gone';

/** metav1.Time precision: whole seconds. */
const nowRfc3339 = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

const currentStatus = (s: WatchedStack) => MonitoringStackStatusSchema.safeParse(s.status ?? {}).data ?? {};

/**
 * Merges `update` into the status the event carried and writes it to the
 * status subresource with that event's resourceVersion: a 409 means a newer
 * version exists, whose own event will be handled. No write when nothing
 * changes, so handling the watcher's own status event again is a no-op.
 */
async function writeStatus(
  custom: CustomObjectsApi,
  s: WatchedStack,
  update: StatusUpdate,
): Promise<StatusWriteResult> {
  const current = currentStatus(s);
  const status = MonitoringStackStatusSchema.parse(mergeStatus(current, update, nowRfc3339()));
  if (isDeepStrictEqual(status, current)) return 'unchanged';
  const { name, namespace, uid, resourceVersion } = s.metadata;
  try {
    await custom.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
      name,
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name, namespace, uid, resourceVersion },
        status,
      },
    });
    return 'written';
  } catch (e) {
    if (httpCode(e) === 409) return 'conflict';
    if (httpCode(e) === 404) return 'gone';
    throw e;
  }
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
  return currentStatus(s).conditions?.some((c) => c.type === 'InvalidSpec' && c.status === 'True') ?? false;
}

/** A valid generation followed an invalid one: clear InvalidSpec before the workflow takes over. */
export function clearInvalidSpec(custom: CustomObjectsApi, s: WatchedStack): Promise<StatusWriteResult> {
  const ours = currentStatus(s).lastError?.step === SPEC_STEP;
  return writeStatus(custom, s, {
    phase: 'Pending',
    observedGeneration: s.metadata.generation,
    conditions: [{ type: 'InvalidSpec', status: 'False', reason: 'SpecValid', message: 'the spec is valid' }],
    ...(ours && { lastError: null }),
  });
}
