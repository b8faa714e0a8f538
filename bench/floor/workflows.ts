import { proxyActivities } from '@temporalio/workflow';
import type { FloorActivities } from './activities.js';

// The least a workflow per datasource can do through Temporal: one workflow,
// `calls` activities in a row (the first creates the datasource), no status,
// no search attributes, no child. What Stackwright's External saga pays on
// top of this is its own cost; what this costs is Temporal's floor.
const { createDatasource, noop } = proxyActivities<FloorActivities>({ startToCloseTimeout: '30s' });

export async function floorWorkflow(uid: string, calls: number): Promise<void> {
  await createDatasource(uid);
  for (let i = 1; i < calls; i++) await noop();
}
