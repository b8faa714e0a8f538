import { describe, expect, it } from '@jest/globals';
import { ApplicationFailure } from '@temporalio/common';
import { parseMonitoringStackSpec } from '../../crd/spec.js';
import { STACK_REQUEST_REJECTED } from '../../workflows/definitions.js';
import {
  checkApply,
  checkDriftRequest,
  checkPause,
  checkRetry,
  throwIfRejected,
  type StackState,
} from '../../workflows/stack-requests.js';

// The stack workflow's update validators: what a caller is told instead of a silent no-op.
const parsed = parseMonitoringStackSpec({
  prometheus: { replicas: 1 },
  exposure: { url: 'http://prometheus.example.com:9090' },
  grafana: { instance: 'default' },
});
if (!parsed.ok) throw new Error(parsed.error);
const spec = parsed.spec;

const ready: StackState = {
  uid: 'uid-1',
  phase: 'Ready',
  desiredGeneration: 3,
  paused: false,
  deleting: false,
  provisioning: false,
  teardownFailed: false,
  hasBeenReady: true,
};

describe('applySpec validator', () => {
  it('accepts a newer generation, or none (a direct stack: the workflow numbers it)', () => {
    expect(checkApply(ready, { generation: 4, spec })).toBeUndefined();
    expect(checkApply(ready, { spec })).toBeUndefined();
    expect(checkApply({ ...ready, desiredGeneration: undefined }, { generation: 1, spec })).toBeUndefined();
  });

  it("refuses another CR incarnation's request (another uid) before judging its generation", () => {
    expect(checkApply(ready, { generation: 4, spec, uid: 'uid-1' })).toBeUndefined();
    expect(checkApply(ready, { generation: 3, spec, uid: 'uid-2' })).toEqual({
      reason: 'otherIncarnation',
      message: 'this workflow serves CR uid uid-1, not uid-2',
    });
    expect(checkApply({ ...ready, deleting: true }, { generation: 1, spec, uid: 'uid-2' })).toMatchObject({
      reason: 'otherIncarnation',
    });
    // A direct stack's workflow serves no CR: a CR of that name is another incarnation too.
    expect(checkApply({ ...ready, uid: '' }, { generation: 1, spec, uid: 'uid-2' })).toMatchObject({
      reason: 'otherIncarnation',
      message: 'this workflow serves CR uid (none), not uid-2',
    });
  });

  it('rejects the same generation as duplicate and an older one as stale', () => {
    expect(checkApply(ready, { generation: 3, spec })).toMatchObject({ reason: 'duplicate' });
    expect(checkApply(ready, { generation: 2, spec })).toMatchObject({
      reason: 'stale',
      message: 'generation 2 is older than generation 3',
    });
  });

  it('rejects a spec of the wrong shape or an invalid generation, and anything while deleting, as invalid', () => {
    // The schema's own rules (replicas >= 1, …) are applied by the client before it sends (stack-client.test.ts).
    for (const bad of [
      null,
      [],
      { ...spec, grafana: undefined },
      { ...spec, exposure: 'x' },
      { ...spec, grafana: {} },
    ])
      expect(checkApply(ready, { generation: 4, spec: bad as never })).toMatchObject({
        reason: 'invalid',
        message: expect.stringContaining('not a MonitoringStack spec'),
      });
    expect(checkApply(ready, { generation: 0, spec })).toMatchObject({ reason: 'invalid' });
    expect(checkApply(ready, { generation: 1.5, spec })).toMatchObject({ reason: 'invalid' });
    expect(checkApply({ ...ready, deleting: true }, { generation: 4, spec })).toMatchObject({
      reason: 'invalid',
      message: 'the stack is being deleted',
    });
  });
});

describe('retry validator', () => {
  it('rejects a Ready stack with a clear message', () => {
    expect(checkRetry(ready)?.message).toBe(
      'the stack is Ready at generation 3: nothing to retry (drift-check repairs drift)',
    );
  });

  it('accepts Failed and Degraded stacks and a failed teardown', () => {
    expect(checkRetry({ ...ready, phase: 'Failed' })).toBeUndefined();
    expect(checkRetry({ ...ready, phase: 'Degraded' })).toBeUndefined();
    expect(checkRetry({ ...ready, phase: 'Deleting', deleting: true, teardownFailed: true })).toBeUndefined();
  });

  it('rejects while a saga or the teardown runs, while paused, and without a spec', () => {
    expect(checkRetry({ ...ready, phase: 'Provisioning', provisioning: true })?.message).toMatch(
      /being provisioned right now/,
    );
    expect(checkRetry({ ...ready, phase: 'Deleting', deleting: true })?.message).toMatch(
      /teardown is running/,
    );
    expect(checkRetry({ ...ready, phase: 'Failed', paused: true })?.message).toMatch(/paused/);
    expect(checkRetry({ ...ready, phase: 'Pending', desiredGeneration: undefined })?.message).toMatch(
      /no spec/,
    );
  });
});

describe('pause and drift-check validators', () => {
  it('pause is refused only while deleting', () => {
    expect(checkPause({ ...ready, phase: 'Failed' })).toBeUndefined();
    expect(checkPause({ ...ready, deleting: true })).toMatchObject({ reason: 'invalid' });
  });

  it('a drift check needs a stack that has been Ready and is not suspended', () => {
    expect(checkDriftRequest(ready)).toBeUndefined();
    expect(checkDriftRequest({ ...ready, phase: 'Degraded' })).toBeUndefined();
    expect(checkDriftRequest({ ...ready, phase: 'Failed', hasBeenReady: false })?.message).toMatch(
      /nothing to check: the stack is Failed/,
    );
    expect(checkDriftRequest({ ...ready, paused: true, phase: 'Suspended' })?.message).toMatch(/suspended/);
    expect(checkDriftRequest({ ...ready, deleting: true })?.message).toMatch(/deleted/);
  });
});

describe('a rejection', () => {
  it('is an ApplicationFailure the client recognises by type, with the reason in its details', () => {
    expect(() => throwIfRejected(undefined)).not.toThrow();
    let caught: unknown;
    try {
      throwIfRejected({ reason: 'stale', message: 'older' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ApplicationFailure);
    expect(caught).toMatchObject({
      type: STACK_REQUEST_REJECTED,
      details: ['stale'],
      message: 'stale: older',
    });
  });
});
