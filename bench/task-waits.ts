// Where a fleet's time goes, read from Temporal's own histories: for a sample of
// one bench namespace's stacks, how long each workflow task waited to be picked
// up (scheduled → started), the first task apart (it waits in the shared task
// queue, later ones in the worker's sticky queue), and how long the provision
// saga ran once its first task had started. Usage (reads .stackwright/env):
//   npx tsx bench/task-waits.ts <kubernetes namespace of a bench run> [sample=25] [cluster=local]
import { Connection, Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { loadBenchEnvOrExit } from './lib/env.js';
import { pool } from './lib/clock.js';
import { round, summarize, type Summary } from './lib/stats.js';

// A CommonJS module: its namespace comes through the default import under tsx's ESM loader.
type Event = proto.temporal.api.history.v1.IHistoryEvent;
const { EventType } = proto.temporal.api.enums.v1;

const [namespace, sampleArg = '25', cluster = 'local'] = process.argv.slice(2);
if (!namespace || !/^[1-9][0-9]*$/.test(sampleArg)) {
  console.error('usage: npx tsx bench/task-waits.ts <bench namespace> [sample=25] [cluster=local]');
  process.exit(2);
}
const env = loadBenchEnvOrExit();

const ms = (e: Event) => {
  const t = e.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : NaN;
};

/** Scheduled → started of each workflow task, in order; how many timed out on a sticky queue. */
function taskWaits(events: Event[]): { waits: number[]; timedOut: number } {
  const waits: number[] = [];
  let scheduledAt = NaN;
  let timedOut = 0;
  for (const e of events) {
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) scheduledAt = ms(e);
    else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) waits.push(ms(e) - scheduledAt);
    else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) timedOut++;
  }
  return { waits, timedOut };
}

const connection = await Connection.connect({ address: env.vars.TEMPORAL_ADDRESS });
const client = new Client({ connection, namespace: env.vars.TEMPORAL_NAMESPACE });
try {
  const prefix = `stack/${cluster}/${namespace}/`;
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH "${prefix}"` }))
    ids.push(w.workflowId);
  const stacks = ids.filter((id) => id.split('/').length === 4).sort();
  if (stacks.length === 0) {
    console.error(`no stack workflows under ${prefix}`);
    process.exit(1);
  }
  // stack/<cluster>/<namespace>/<name>/provision/<generation>: the stack's provision child.
  const childOf = new Map(
    ids
      .filter((id) => /\/provision\/[^/]+$/.test(id))
      .map((id) => [id.replace(/\/provision\/[^/]+$/, ''), id]),
  );
  const n = Math.min(Number(sampleArg), stacks.length);
  const sample = Array.from({ length: n }, (_, i) => stacks[Math.floor((i * stacks.length) / n)]!);

  const history = async (id: string) => (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
  const rows = await pool(sample, 4, async (id) => {
    const parent = await history(id);
    const childId = childOf.get(id);
    const child = childId ? await history(childId) : [];
    const p = taskWaits(parent);
    const c = taskWaits(child);
    const firstStarted = child.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    const done = child.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    return {
      parentFirst: p.waits[0] ?? NaN,
      childFirst: c.waits[0] ?? NaN,
      later: [...p.waits.slice(1), ...c.waits.slice(1)],
      sagaRun: firstStarted && done ? ms(done) - ms(firstStarted) : NaN,
      timedOut: p.timedOut + c.timedOut,
      events: parent.length + child.length,
    };
  });
  const brief = (r: Summary): Summary => ({ ...r, values: r.n > 50 ? [] : r.values });
  const s = (xsMs: number[]) => brief(summarize(xsMs.filter(Number.isFinite).map((x) => round(x / 1000, 2))));
  const report = {
    namespace,
    stacks: stacks.length,
    sampled: n,
    withProvisionChild: rows.filter((r) => Number.isFinite(r.childFirst)).length,
    stackFirstTaskWaitS: s(rows.map((r) => r.parentFirst)),
    provisionFirstTaskWaitS: s(rows.map((r) => r.childFirst)),
    laterTaskWaitS: s(rows.flatMap((r) => r.later)),
    provisionRunS: s(rows.map((r) => r.sagaRun)),
    workflowTaskTimeouts: rows.reduce((a, r) => a + r.timedOut, 0),
    historyEventsPerStack: brief(summarize(rows.map((r) => r.events))),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await connection.close();
}
