import { isDeepStrictEqual } from 'node:util';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { z } from 'zod';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../crd/constants.js';
import { MonitoringStackStatusSchema, type MonitoringStackStatus } from '../crd/status.js';
import { rfc3339, systemClock, type Clock } from '../domain/clock.js';
import { mergeStatus, type StatusUpdate } from '../domain/conditions.js';
import { isConflict, isNotFound } from './errors.js';

/** Which CR incarnation to write: a CR of the same name with another uid is not written. */
export interface StackStatusTarget {
  namespace: string;
  name: string;
  uid: string;
}

/** The CR as the writer last saw it (a watch event); without it the writer reads it first. */
export interface ObservedStack {
  resourceVersion: string;
  status?: unknown;
}

export type StackStatusWrite =
  | { result: 'written' | 'unchanged'; status: MonitoringStackStatus }
  /** The CR changed since `resourceVersion` (409): merge again on its newer version. */
  | { result: 'conflict' }
  /** No such CR, or another incarnation of it. */
  | { result: 'gone' };

/** The merged status breaks the CRD's schema: a bug in the caller's update, not worth retrying. */
export class InvalidStatusUpdateError extends Error {}

/** What a status write needs of the CR: a spec this operator cannot parse must not stop it reporting that. */
const StatusViewSchema = z.object({
  metadata: z.object({ uid: z.string(), resourceVersion: z.string() }),
  status: z.unknown().optional(),
});

const parseStatus = (s: unknown): MonitoringStackStatus =>
  MonitoringStackStatusSchema.safeParse(s ?? {}).data ?? {};

/**
 * The one writer of MonitoringStack status (phase, conditions with their
 * observedGeneration and transition times, lastError and its time): merges
 * `update` into the current status (mergeStatus) and replaces the status
 * subresource guarded by the resourceVersion the merge was computed from, so a
 * concurrent writer yields 'conflict' instead of being overwritten. Nothing new
 * (a retried or repeated update) means no write and no watch event. Other API
 * errors are thrown as they are, for the caller to classify.
 */
export async function writeStackStatus(
  custom: CustomObjectsApi,
  target: StackStatusTarget,
  update: StatusUpdate,
  o: { observed?: ObservedStack; clock?: Clock } = {},
): Promise<StackStatusWrite> {
  const { namespace, name, uid } = target;
  if (uid === '') return { result: 'gone' };
  const at = { group: GROUP, version: VERSION, namespace, plural: PLURAL, name };
  let observed = o.observed;
  if (!observed) {
    let raw: unknown;
    try {
      raw = await custom.getNamespacedCustomObject(at);
    } catch (e) {
      if (isNotFound(e)) return { result: 'gone' };
      throw e;
    }
    const view = StatusViewSchema.safeParse(raw);
    if (!view.success)
      throw new Error(`unexpected ${KIND} ${namespace}/${name}: ${z.prettifyError(view.error)}`);
    if (view.data.metadata.uid !== uid) return { result: 'gone' };
    observed = { resourceVersion: view.data.metadata.resourceVersion, status: view.data.status };
  }

  const current = parseStatus(observed.status);
  const merged = MonitoringStackStatusSchema.safeParse(
    mergeStatus(current, update, rfc3339((o.clock ?? systemClock)())),
  );
  if (!merged.success) {
    throw new InvalidStatusUpdateError(
      `status update for ${KIND} ${namespace}/${name} is invalid: ${z.prettifyError(merged.error)}`,
    );
  }
  const status = merged.data;
  if (isDeepStrictEqual(status, current)) return { result: 'unchanged', status };

  let written: unknown;
  try {
    written = await custom.replaceNamespacedCustomObjectStatus({
      ...at,
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name, namespace, uid, resourceVersion: observed.resourceVersion },
        status,
      },
    });
  } catch (e) {
    if (isConflict(e)) return { result: 'conflict' };
    if (isNotFound(e)) return { result: 'gone' };
    throw e;
  }
  return { result: 'written', status: parseStatus(StatusViewSchema.safeParse(written).data?.status) };
}

/** The status a CR carries, or {} when it has none (or one this version cannot read). */
export const statusOf = (raw: unknown): MonitoringStackStatus => parseStatus(raw);
