import { Command, Option } from 'commander';
import type { WorkflowHandle } from '@temporalio/client';
import { listFleet } from '../../client/fleet.js';
import { stacks } from '../../client/index.js';
import type { Answer } from '../../client/stack-client.js';
import { stackWorkflowId, type StackRef } from '../../domain/stack-ref.js';
import { teardownSignal, type DriftCheckResult } from '../../workflows/definitions.js';
import { CliContext } from '../context.js';
import { CliError, notFound } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { parseTarget, readStackManifests } from '../manifest.js';
import {
  fleetTable,
  printJson,
  stackDetail,
  stacksTable,
  stepsDetail,
  type OutputFormat,
} from '../render.js';
import {
  applyStackCr,
  deleteStackCr,
  getStackSummary,
  listStacks,
  queryView,
  readStackCr,
} from '../stacks.js';
import { waitForStack } from '../wait.js';

interface Common {
  namespace: string;
  cluster?: string;
  output: OutputFormat;
}

const outputOption = () =>
  new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table');
const durationMs = (v: string): number => {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(v);
  if (!m) throw new CliError(`'${v}' is not a duration like 90s or 10m`, 2);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
};

/** Runs a command body with a context that is always closed, so the CLI never hangs on an open connection. */
function withContext<A extends unknown[]>(fn: (ctx: CliContext, ...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    const opts = args.find((a): a is Common => typeof a === 'object' && a !== null && 'namespace' in a) as
      Common | undefined;
    const ctx = new CliContext(process.env, opts?.cluster);
    try {
      await fn(ctx, ...args);
    } finally {
      await ctx.close();
    }
  };
}

const err = (line: string) => void process.stderr.write(`${line}\n`);

function common(c: Command): Command {
  return c
    .option('-n, --namespace <namespace>', 'namespace of the stack', 'default')
    .option(
      '--cluster <name>',
      'cluster name as the operator knows it (default: $STACKWRIGHT_CLUSTER or "local")',
    )
    .addOption(outputOption());
}

/** The answer's result, or its rejection as a one-line error (exit 1; 2 for a spec the workflow calls invalid). */
function accepted<T>(what: string, a: Answer<T>, invalidIsUsage = false): T {
  if (a.accepted) return a;
  throw new CliError(
    `${what}: rejected (${a.reason}): ${a.message}`,
    invalidIsUsage && a.reason === 'invalid' ? EXIT.usage : EXIT.failure,
  );
}

/** The workflow must answer within this long, or the CLI says no worker did (exit 4). */
async function answered<T>(ctx: CliContext, ms: number, call: () => Promise<T>): Promise<T> {
  const client = await ctx.client();
  try {
    return await client.connection.withDeadline(Date.now() + ms, call);
  } catch (e) {
    if ((e as { code?: unknown }).code === 4 /* gRPC DEADLINE_EXCEEDED */)
      throw new CliError(
        `no answer from the stack workflow within ${Math.round(ms / 1000)}s (is a worker running?)`,
        EXIT.notReady,
      );
    throw e;
  }
}

const ANSWER_MS = 30_000;

/** The stack's workflow, or a not-found error (exit 5) when none runs. */
async function stackHandle(ctx: CliContext, namespace: string, name: string): Promise<WorkflowHandle> {
  if (!(await queryView(ctx, namespace, name)))
    throw notFound(`no running workflow for stack ${namespace}/${name} in cluster '${ctx.clusterName}'`);
  return (await ctx.client()).workflow.getHandle(
    stackWorkflowId({ cluster: ctx.clusterName, namespace, name }),
  );
}

export function stackCommands(): Command[] {
  const apply = common(new Command('apply'))
    .description('create or update MonitoringStacks from a YAML file; the watcher provisions them')
    .requiredOption('-f, --filename <file>', "YAML file with one or more MonitoringStacks ('-' for stdin)")
    .option('--wait', 'wait until each stack is Ready, showing progress')
    .option('--timeout <duration>', 'how long --wait waits', '10m')
    .option('--direct', 'start the saga without a MonitoringStack resource (a cluster with no watcher)')
    .action(
      withContext(
        async (
          ctx,
          opts: Common & { filename: string; wait?: boolean; timeout: string; direct?: boolean },
        ) => {
          const timeoutMs = durationMs(opts.timeout);
          const manifests = readStackManifests(opts.filename, opts.namespace);
          const results = [];
          for (const m of manifests) {
            let generation: number;
            let action: string;
            if (opts.direct) {
              // Update-with-start: the workflow numbers the generation, so two applies cannot race.
              const ref: StackRef = {
                cluster: ctx.clusterName,
                namespace: m.namespace,
                name: m.name,
                uid: '',
              };
              const client = await ctx.client();
              const a = accepted(
                `apply ${m.namespace}/${m.name}`,
                await answered(ctx, ANSWER_MS, () => stacks.applySpec(client, ref, { spec: m.spec })),
                true,
              );
              generation = a.generation;
              action = a.first ? 'started' : 'updated';
            } else {
              ({ generation, action } = await applyStackCr(ctx, m));
            }
            if (opts.output === 'table')
              err(`monitoringstack ${m.namespace}/${m.name} ${action} (generation ${generation})`);
            const summary = opts.wait
              ? await waitForStack(
                  ctx,
                  { namespace: m.namespace, name: m.name, direct: !!opts.direct },
                  generation,
                  timeoutMs,
                  (l) => opts.output === 'table' && err(`  ${l}`),
                )
              : undefined;
            results.push({
              namespace: m.namespace,
              name: m.name,
              action,
              generation,
              ...(summary ? { stack: summary } : {}),
            });
            if (summary && opts.output === 'table') process.stdout.write(stackDetail(summary));
          }
          if (opts.output === 'json') printJson(results);
        },
      ),
    );

  const get = common(new Command('get'))
    .description('show one stack: phase, conditions, datasource, Temporal UI link')
    .argument('<stack>', '<namespace>/<name>')
    .action(
      withContext(async (ctx, target: string, opts: Common) => {
        const t = parseTarget(target, opts.namespace);
        const s = await getStackSummary(ctx, t.namespace, t.name);
        if (opts.output === 'json') printJson(s);
        else process.stdout.write(stackDetail(s));
      }),
    );

  const list = common(new Command('list'))
    .alias('ls')
    .description('list stacks (resources and direct stacks)')
    .option('-A, --all-namespaces', 'all namespaces')
    .option('--all-clusters', "every cluster's stacks, from Temporal's visibility (no kubeconfig needed)")
    .action(
      withContext(async (ctx, opts: Common & { allNamespaces?: boolean; allClusters?: boolean }) => {
        if (opts.allClusters) {
          if (opts.cluster) throw new CliError('--all-clusters and --cluster exclude each other', 2);
          const fleet = await listFleet(await ctx.client());
          if (opts.output === 'json') printJson(fleet);
          else process.stdout.write(fleet.length ? fleetTable(fleet) : 'No stacks found.\n');
          return;
        }
        const stacks = await listStacks(ctx, opts.allNamespaces ? undefined : opts.namespace);
        if (opts.output === 'json') printJson(stacks);
        else process.stdout.write(stacks.length ? stacksTable(stacks) : 'No stacks found.\n');
      }),
    );

  const describe = common(new Command('describe'))
    .description('a stack and its saga: steps done, current step, last error, history link')
    .argument('<stack>', '<namespace>/<name>')
    .action(
      withContext(async (ctx, target: string, opts: Common) => {
        const t = parseTarget(target, opts.namespace);
        const s = await getStackSummary(ctx, t.namespace, t.name);
        const view = await queryView(ctx, t.namespace, t.name);
        if (opts.output === 'json') return printJson({ ...s, workflow: view ?? null });
        process.stdout.write(stackDetail(s));
        process.stdout.write(
          view ? stepsDetail(view) : 'No running workflow (not started yet, or torn down).\n',
        );
      }),
    );

  /** A command that sends one Update to a stack's workflow and prints its answer. */
  const updateCommand = (
    name: string,
    description: string,
    send: (ctx: CliContext, ref: Pick<StackRef, 'cluster' | 'namespace' | 'name'>) => Promise<string>,
  ) =>
    common(new Command(name))
      .description(description)
      .argument('<stack>', '<namespace>/<name>')
      .action(
        withContext(async (ctx, target: string, opts: Common) => {
          const t = parseTarget(target, opts.namespace);
          await stackHandle(ctx, t.namespace, t.name);
          const result = await send(ctx, { cluster: ctx.clusterName, ...t });
          if (opts.output === 'json') printJson({ namespace: t.namespace, name: t.name, result });
          else err(`${t.namespace}/${t.name}: ${result}`);
        }),
      );

  const retry = updateCommand(
    'retry',
    'provision (or tear down) again after a failure, with the same spec',
    async (ctx, ref) => {
      const client = await ctx.client();
      const r = accepted(
        `retry ${ref.namespace}/${ref.name}`,
        await answered(ctx, ANSWER_MS, () => stacks.retry(client, ref)),
      );
      return r.retrying === 'teardown' ? 'retrying the teardown' : `retrying generation ${r.generation}`;
    },
  );
  const pauseCommand = (paused: boolean) =>
    updateCommand(
      paused ? 'pause' : 'resume',
      paused ? 'pause reconciliation (no sagas, no drift repair) until resume' : 'resume a paused stack',
      async (ctx, ref) => {
        const client = await ctx.client();
        const r = accepted(
          `${paused ? 'pause' : 'resume'} ${ref.namespace}/${ref.name}`,
          await answered(ctx, ANSWER_MS, () => stacks.setPaused(client, ref, paused)),
        );
        return `${paused ? 'paused' : 'resumed'}${r.changed ? '' : ` (was already ${paused ? 'paused' : 'running'})`}`;
      },
    );
  const pause = pauseCommand(true);
  const resume = pauseCommand(false);

  const del = common(new Command('delete'))
    .description('delete a stack: its datasource and Prometheus (or, with --orphan, leave both in place)')
    .argument('<stack>', '<namespace>/<name>')
    .option('--orphan', 'leave Prometheus and the datasource in place (deletionPolicy Orphan)')
    .option('--wait', 'wait until the teardown has finished')
    .option('--timeout <duration>', 'how long --wait waits', '5m')
    .action(
      withContext(
        async (ctx, target: string, opts: Common & { orphan?: boolean; wait?: boolean; timeout: string }) => {
          const t = parseTarget(target, opts.namespace);
          const deadline = Date.now() + durationMs(opts.timeout);
          const cr = await readStackCr(ctx, t.namespace, t.name);
          if (cr) {
            if (opts.orphan) {
              await applyStackCr(ctx, {
                namespace: t.namespace,
                name: t.name,
                specInput: { ...cr.spec, deletionPolicy: 'Orphan' },
                spec: cr.spec,
              });
            }
            await deleteStackCr(ctx, t.namespace, t.name);
            if (opts.wait) {
              while (await readStackCr(ctx, t.namespace, t.name)) {
                if (Date.now() > deadline)
                  throw new CliError(
                    `timed out waiting for the teardown of ${target} (is the watcher running?)`,
                    4,
                  );
                await new Promise((r) => setTimeout(r, 1000));
              }
            }
          } else {
            const handle = await stackHandle(ctx, t.namespace, t.name);
            await handle.signal(teardownSignal, { deletionPolicy: opts.orphan ? 'Orphan' : 'Delete' });
            if (opts.wait) await handle.result();
          }
          const result = opts.wait
            ? opts.orphan
              ? 'deleted (Prometheus and datasource left in place)'
              : 'deleted'
            : 'deletion requested';
          if (opts.output === 'json') printJson({ namespace: t.namespace, name: t.name, result });
          else err(`${t.namespace}/${t.name}: ${result}`);
        },
      ),
    );

  const drift = common(new Command('drift-check'))
    .description('run the drift check now (repairs the datasource and cluster objects) and show its report')
    .argument('[stack]', '<namespace>/<name>')
    .option('--all', 'every running stack of the cluster (one that cannot be checked now is listed as such)')
    .option('--timeout <duration>', 'how long to wait for the reports', '5m')
    .action(
      withContext(
        async (ctx, target: string | undefined, opts: Common & { all?: boolean; timeout: string }) => {
          if (!target === !opts.all) throw new CliError('name one stack, or pass --all', 2);
          const timeoutMs = durationMs(opts.timeout);
          const client = await ctx.client();
          const ids: string[] = [];
          if (opts.all) {
            for await (const wf of client.workflow.list({
              query: `WorkflowType="stackWorkflow" AND ExecutionStatus="Running" AND StackCluster="${ctx.clusterName}"`,
            }))
              ids.push(wf.workflowId);
          } else {
            const t = parseTarget(target!, opts.namespace);
            ids.push((await stackHandle(ctx, t.namespace, t.name)).workflowId);
          }
          // Taken by every workflow first (the checks run in parallel), then each answer.
          const started = [];
          for (const workflowId of ids) {
            const [, cluster = '', namespace = '', name = ''] = workflowId.split('/');
            const check = await answered(ctx, ANSWER_MS, () =>
              stacks.startDriftCheck(client, { cluster, namespace, name }),
            );
            started.push({ workflowId, what: `drift-check ${namespace}/${name}`, check });
          }
          const results: ({ workflowId: string } & (DriftCheckResult | { rejected: string }))[] = [];
          for (const { workflowId, what, check } of started) {
            const a = await answered(ctx, timeoutMs, check.answer);
            // One named stack: a rejection is the command's error. --all: reported per stack.
            if (!opts.all) accepted(what, a);
            if (a.accepted) {
              const { accepted: _, ...result } = a;
              results.push({ workflowId, ...result });
            } else results.push({ workflowId, rejected: a.message });
          }
          if (opts.output === 'json') printJson({ checked: results });
          else
            for (const r of results)
              err(`${r.workflowId}: ${'rejected' in r ? `not checked: ${r.rejected}` : r.message}`);
          // A check that could not run, or found the datasource unhealthy, is a failed operation.
          if (results.some((r) => !('rejected' in r) && (!r.ran || !r.healthy)))
            process.exitCode = EXIT.failure;
        },
      ),
    );

  return [apply, get, list, describe, retry, pause, resume, del, drift];
}
