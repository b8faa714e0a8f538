import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { statusQuery, type StackView } from '../workflows/definitions.js';
import { SA } from '../domain/search-attributes.js';

/** One stack of the fleet, as Temporal knows it: no cluster credentials needed. */
export interface FleetStack {
  cluster: string;
  namespace: string;
  name: string;
  phase: string;
  /** The saga step running now, and what it last said (e.g. that the cluster's agent is not answering). */
  currentStep?: string;
  currentStepMessage?: string;
  datasourceUid?: string;
  workflowId: string;
  /** When this stack's workflow run started. */
  startedAt: string;
}

const keyword = (wf: WorkflowExecutionInfo, key: typeof SA.cluster): string | undefined =>
  wf.typedSearchAttributes.get(key);

/**
 * Every running stack workflow in the Temporal namespace, across all clusters,
 * from Temporal's visibility (search attributes), with each stack's live view
 * (phase, current step, datasource) from its status query. A stack whose query
 * does not answer (no workflow worker) still appears, with what visibility knows.
 */
export async function listFleet(client: Client): Promise<FleetStack[]> {
  const out: FleetStack[] = [];
  for await (const wf of client.workflow.list({
    query: 'WorkflowType="stackWorkflow" AND ExecutionStatus="Running"',
  })) {
    const [, idCluster, idNs, idName] = wf.workflowId.split('/');
    const base: FleetStack = {
      cluster: keyword(wf, SA.cluster) ?? idCluster ?? '?',
      namespace: keyword(wf, SA.namespace) ?? idNs ?? '?',
      name: keyword(wf, SA.name) ?? idName ?? '?',
      phase: keyword(wf, SA.phase) ?? 'Unknown',
      workflowId: wf.workflowId,
      startedAt: wf.startTime.toISOString(),
    };
    const view = await client.workflow
      .getHandle(wf.workflowId, wf.runId)
      .query(statusQuery)
      .catch((): StackView | undefined => undefined);
    out.push(view ? withView(base, view) : base);
  }
  return out.sort((a, b) =>
    `${a.cluster}/${a.namespace}/${a.name}`.localeCompare(`${b.cluster}/${b.namespace}/${b.name}`),
  );
}

function withView(base: FleetStack, v: StackView): FleetStack {
  const last = v.steps.at(-1);
  return {
    ...base,
    phase: v.phase,
    ...(v.currentStep && { currentStep: v.currentStep }),
    ...(v.currentStep && last?.step === v.currentStep && { currentStepMessage: last.message }),
    ...(v.datasource && { datasourceUid: v.datasource.uid }),
  };
}
