import { Client, Connection } from '@temporalio/client';
import { until } from './clock.js';
import type { BenchEnv } from './env.js';

/** The bench's Temporal client: history sizes for the profile, and cleanup between runs. */
export class BenchTemporal {
  private constructor(
    readonly client: Client,
    private readonly connection: Connection,
  ) {}

  static async connect(env: BenchEnv): Promise<BenchTemporal> {
    const connection = await Connection.connect({ address: env.vars.TEMPORAL_ADDRESS });
    return new BenchTemporal(new Client({ connection, namespace: env.vars.TEMPORAL_NAMESPACE }), connection);
  }

  /**
   * Running workflows of a bench namespace's stacks are terminated (a server-side
   * batch, then until visibility shows none): a clean slate for the next run.
   */
  async terminateNamespace(cluster: string, namespace: string, timeoutMs = 300_000): Promise<void> {
    await this.terminate(`stack/${cluster}/${namespace}/`, timeoutMs);
  }

  /**
   * Every running workflow of any bench namespace, whether or not its Kubernetes
   * namespace still exists (a run killed mid-way, then a wiped apiserver, leaves
   * stacks whose drift checks keep both cores busy).
   */
  async terminateLeftovers(cluster: string, timeoutMs = 300_000): Promise<void> {
    await this.terminate(`stack/${cluster}/bench-`, timeoutMs);
  }

  private async terminate(idPrefix: string, timeoutMs: number): Promise<void> {
    const query = `WorkflowId STARTS_WITH "${idPrefix}" AND ExecutionStatus = "Running"`;
    const running = async () => (await this.client.workflow.count(query)).count;
    if ((await running()) === 0) return;
    await this.client.workflowService.startBatchOperation({
      namespace: this.client.options.namespace,
      jobId: `bench-cleanup-${Date.now()}`,
      reason: 'bench cleanup',
      visibilityQuery: query,
      terminationOperation: {},
    });
    await until(
      `workflows ${idPrefix}… terminated`,
      timeoutMs,
      async () => ((await running()) === 0 ? true : undefined),
      1000,
    );
  }

  /**
   * Workflow tasks and history events of one stack's workflows (the stack
   * workflow and its children): what Temporal stores and replays per stack.
   */
  async historyProfile(cluster: string, namespace: string, name: string): Promise<HistoryProfile> {
    const profile: HistoryProfile = {
      workflows: 0,
      events: 0,
      workflowTasks: 0,
      activities: 0,
      timers: 0,
      signals: 0,
    };
    for await (const wf of this.client.workflow.list({
      query: `WorkflowId STARTS_WITH "stack/${cluster}/${namespace}/${name}"`,
    })) {
      if (
        wf.workflowId !== `stack/${cluster}/${namespace}/${name}` &&
        !wf.workflowId.startsWith(`stack/${cluster}/${namespace}/${name}/`)
      )
        continue;
      profile.workflows++;
      const history = await this.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      for (const e of history.events ?? []) {
        profile.events++;
        if (e.workflowTaskScheduledEventAttributes) profile.workflowTasks++;
        if (e.activityTaskScheduledEventAttributes) profile.activities++;
        if (e.timerStartedEventAttributes) profile.timers++;
        if (e.workflowExecutionSignaledEventAttributes) profile.signals++;
      }
    }
    return profile;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

export interface HistoryProfile {
  workflows: number;
  events: number;
  workflowTasks: number;
  activities: number;
  timers: number;
  signals: number;
}
