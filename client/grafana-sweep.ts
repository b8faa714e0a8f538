import type { Client } from '@temporalio/client';
import { grafanaSweepWorkflowId, WORKFLOW_TASK_QUEUE } from '../domain/stack-ref.js';
import { sweepConfigSignal, type GrafanaSweepInput } from '../workflows/sweep-definitions.js';

/**
 * Starts the drift sweep of one Grafana instance, or, when it runs already
 * (another Grafana worker, an earlier start), just tells it the interval:
 * signal-with-start on the deterministic id, so any number of callers is safe.
 */
export async function startGrafanaSweep(
  client: Client,
  instance: string,
  intervalMs: number,
): Promise<string> {
  const workflowId = grafanaSweepWorkflowId(instance);
  const input: GrafanaSweepInput = { instance, intervalMs };
  await client.workflow.signalWithStart('grafanaSweepWorkflow', {
    workflowId,
    taskQueue: WORKFLOW_TASK_QUEUE,
    args: [input],
    signal: sweepConfigSignal,
    signalArgs: [{ intervalMs }],
    staticSummary: `drift sweep of Grafana '${instance}'`,
  });
  return workflowId;
}
