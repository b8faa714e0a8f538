import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Registered on the Temporal server by `dev up` (and docker-compose); filter in
// the UI with e.g. StackNamespace="team-a" AND StackPhase="Failed".
export const SA = {
  cluster: defineSearchAttributeKey('StackCluster', SearchAttributeType.KEYWORD),
  namespace: defineSearchAttributeKey('StackNamespace', SearchAttributeType.KEYWORD),
  name: defineSearchAttributeKey('StackName', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('StackPhase', SearchAttributeType.KEYWORD),
  step: defineSearchAttributeKey('StackStep', SearchAttributeType.KEYWORD),
};
