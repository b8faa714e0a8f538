import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

// Registered on the Temporal server by `dev up` (and docker-compose, deploy/README);
// filter in the UI with e.g. StackNamespace="team-a" AND StackPhase="Failed".
export const SA = {
  cluster: defineSearchAttributeKey('StackCluster', SearchAttributeType.KEYWORD),
  namespace: defineSearchAttributeKey('StackNamespace', SearchAttributeType.KEYWORD),
  name: defineSearchAttributeKey('StackName', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('StackPhase', SearchAttributeType.KEYWORD),
  step: defineSearchAttributeKey('StackStep', SearchAttributeType.KEYWORD),
  /** A Ready stack's Grafana instance, and `<orgId>/<uid>/<fingerprint>` of the datasource it expects there. */
  grafanaInstance: defineSearchAttributeKey('StackGrafanaInstance', SearchAttributeType.KEYWORD),
  datasource: defineSearchAttributeKey('StackDatasource', SearchAttributeType.KEYWORD),
  /** `<CR uid>/<generation>` the workflow holds: a restarted watcher lists these instead of asking each stack. */
  desired: defineSearchAttributeKey('StackDesired', SearchAttributeType.KEYWORD),
  /** The Grafana sweep's last tick: Ready stacks compared, and how many had drifted. */
  sweepStacks: defineSearchAttributeKey('SweepStacks', SearchAttributeType.INT),
  sweepDrifted: defineSearchAttributeKey('SweepDrifted', SearchAttributeType.INT),
};

/** The StackDesired value: which CR incarnation, at which generation, the stack workflow holds. */
export const desiredKey = (uid: string, generation: number): string => `${uid}/${generation}`;

/** StackDesired as a start's or an upsert's search attribute. */
export const desiredAttribute = (uid: string, generation: number): SearchAttributePair => ({
  key: SA.desired,
  value: desiredKey(uid, generation),
});

export function parseDesiredKey(v: string | undefined): { uid: string; generation: number } | undefined {
  const m = v === undefined ? null : /^(.+)\/(\d+)$/.exec(v);
  const generation = Number(m?.[2]);
  return m && Number.isSafeInteger(generation) ? { uid: m[1]!, generation } : undefined;
}
