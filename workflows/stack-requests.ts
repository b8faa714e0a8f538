// What the stack workflow's update validators decide, as pure functions of
// its state, so the rules read (and are tested) in one place.
import { ApplicationFailure } from '@temporalio/workflow';
import type { Phase } from '../crd/status.js';
import { STACK_REQUEST_REJECTED, type ApplySpecRequest, type RejectionReason } from './definitions.js';

export interface StackState {
  /** The CR uid this workflow serves ('' for a direct stack). */
  uid: string;
  phase: Phase;
  desiredGeneration?: number;
  paused: boolean;
  deleting: boolean;
  /** A provision saga is running. */
  provisioning: boolean;
  /** The last teardown attempt failed (a retry runs it again). */
  teardownFailed: boolean;
  /** A spec has reached Ready (the drift check has something to compare with). */
  hasBeenReady: boolean;
}

export interface Rejection {
  reason: RejectionReason;
  message: string;
}

const reject = (reason: RejectionReason, message: string): Rejection => ({ reason, message });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A parsed spec's shape: what the workflow code dereferences without a check. */
function isSpecShaped(spec: unknown): boolean {
  return (
    isObject(spec) &&
    isObject(spec.prometheus) &&
    isObject(spec.exposure) &&
    isObject(spec.grafana) &&
    typeof spec.grafana.instance === 'string'
  );
}

export function checkApply(s: StackState, r: ApplySpecRequest): Rejection | undefined {
  // First: a request of another CR incarnation says nothing about this one's generations.
  if (r.uid !== undefined && r.uid !== s.uid)
    return reject('otherIncarnation', `this workflow serves CR uid ${s.uid || '(none)'}, not ${r.uid}`);
  if (s.deleting) return reject('invalid', 'the stack is being deleted');
  if (r.generation !== undefined && (!Number.isInteger(r.generation) || r.generation < 1))
    return reject('invalid', `generation must be a positive integer, not ${r.generation}`);
  // The schema itself is applied where a spec comes in (client/stack-client.ts
  // parses every spec it sends, with the schema's own message); here only the
  // shape, so zod stays out of the workflow bundle.
  if (!isSpecShaped(r.spec))
    return reject(
      'invalid',
      'the spec is not a MonitoringStack spec (prometheus, exposure and grafana objects)',
    );
  const current = s.desiredGeneration;
  if (r.generation !== undefined && current !== undefined) {
    if (r.generation === current) return reject('duplicate', `generation ${current} is already applied`);
    if (r.generation < current)
      return reject('stale', `generation ${r.generation} is older than generation ${current}`);
  }
  return undefined;
}

export function checkRetry(s: StackState): Rejection | undefined {
  if (s.deleting)
    return s.teardownFailed ? undefined : reject('invalid', 'the teardown is running; nothing to retry');
  if (s.paused) return reject('invalid', 'the stack is paused; resume it first');
  if (s.provisioning)
    return reject('invalid', `generation ${s.desiredGeneration ?? '?'} is being provisioned right now`);
  if (s.desiredGeneration === undefined) return reject('invalid', 'the stack has no spec yet');
  if (s.phase === 'Ready')
    return reject(
      'invalid',
      `the stack is Ready at generation ${s.desiredGeneration}: nothing to retry (drift-check repairs drift)`,
    );
  return undefined;
}

export function checkPause(s: StackState): Rejection | undefined {
  return s.deleting ? reject('invalid', 'the stack is being deleted') : undefined;
}

export function checkDriftRequest(s: StackState): Rejection | undefined {
  if (s.deleting) return reject('invalid', 'the stack is being deleted');
  if (s.paused || s.phase === 'Suspended')
    return reject('invalid', 'the stack is suspended; resume it first');
  if (!s.hasBeenReady || (s.phase !== 'Ready' && s.phase !== 'Degraded'))
    return reject(
      'invalid',
      `nothing to check: the stack is ${s.phase} and has no Ready spec to compare with`,
    );
  return undefined;
}

/** Validators throw: the update is rejected before it enters history. */
export function throwIfRejected(r: Rejection | undefined): void {
  if (r)
    throw ApplicationFailure.create({
      type: STACK_REQUEST_REJECTED,
      message: `${r.reason}: ${r.message}`,
      details: [r.reason],
      nonRetryable: true,
    });
}
