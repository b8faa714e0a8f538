import { datasourceFingerprint, type ExpectedDatasource } from '../../domain/desired-datasource.js';
import { datasourceSweepItem } from './schemas.js';

/** One Ready stack, as Temporal visibility lists it: its workflow and what it expects in Grafana. */
export interface SweepExpectation {
  workflowId: string;
  expected: ExpectedDatasource;
}

export interface SweepFinding {
  workflowId: string;
  uid: string;
  orgId: number;
  /** missing: no datasource with its uid; differs: an owned field is not as the stack expects. */
  drift: 'missing' | 'differs';
}

/**
 * Which stacks' datasources drifted, from one list per org. Only the uids the
 * stacks expect are looked at: every other datasource (someone else's) is
 * ignored. An org whose list may be cut short (Grafana's datasource_limit) does
 * not report anything missing: absent from a truncated list is not proof of gone.
 */
export function findDrift(
  expectations: readonly SweepExpectation[],
  lists: ReadonlyMap<number, { items: readonly unknown[]; truncated: boolean }>,
): SweepFinding[] {
  const findings: SweepFinding[] = [];
  const byOrg = new Map<number, Map<string, unknown>>();
  for (const [orgId, list] of lists) {
    const uids = new Map<string, unknown>();
    for (const item of list.items) {
      const uid = (item as { uid?: unknown } | null)?.uid;
      if (typeof uid === 'string') uids.set(uid, item);
    }
    byOrg.set(orgId, uids);
  }
  for (const { workflowId, expected } of expectations) {
    const { orgId, uid } = expected;
    const list = lists.get(orgId);
    const live = byOrg.get(orgId);
    if (!list || !live) continue; // that org was not listed: nothing known
    const item = live.get(uid);
    if (item === undefined) {
      if (!list.truncated) findings.push({ workflowId, uid, orgId, drift: 'missing' });
      continue;
    }
    const parsed = datasourceSweepItem.safeParse(item);
    // Ours, yet not even shaped like a datasource: the stack's own drift check will say what is wrong.
    if (!parsed.success || datasourceFingerprint(parsed.data) !== expected.fingerprint)
      findings.push({ workflowId, uid, orgId, drift: 'differs' });
  }
  return findings;
}
