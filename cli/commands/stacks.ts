import { Command, Option } from 'commander';
import type { WorkflowHandle } from '@temporalio/client';
import { signalStack } from '../../client/stack-client.js';
import { stackWorkflowId } from '../../domain/stack-ref.js';
import { driftCheckSignal, pauseSignal, retrySignal, teardownSignal } from '../../workflows/definitions.js';
import { CliContext } from '../context.js';
import { CliError, notFound } from '../errors.js';
import { parseTarget, readStackManifests } from '../manifest.js';
import { printJson, stackDetail, stacksTable, stepsDetail, type OutputFormat } from '../render.js';
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
              const view = await queryView(ctx, m.namespace, m.name);
              generation = (view?.desiredGeneration ?? 0) + 1;
              await signalStack(
                await ctx.client(),
                { cluster: ctx.clusterName, namespace: m.namespace, name: m.name, uid: '' },
                { generation, spec: m.spec },
              );
              action = view ? 'signalled' : 'started';
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
    .action(
      withContext(async (ctx, opts: Common & { allNamespaces?: boolean }) => {
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

  const signalCommand = (
    name: string,
    description: string,
    send: (ctx: CliContext, ns: string, n: string) => Promise<void>,
    done: string,
  ) =>
    common(new Command(name))
      .description(description)
      .argument('<stack>', '<namespace>/<name>')
      .action(
        withContext(async (ctx, target: string, opts: Common) => {
          const t = parseTarget(target, opts.namespace);
          await send(ctx, t.namespace, t.name);
          if (opts.output === 'json') printJson({ namespace: t.namespace, name: t.name, result: done });
          else err(`${t.namespace}/${t.name}: ${done}`);
        }),
      );

  const retry = signalCommand(
    'retry',
    'provision again with the same spec (after a failure)',
    async (ctx, ns, n) => (await stackHandle(ctx, ns, n)).signal(retrySignal),
    'retry requested',
  );
  const pause = signalCommand(
    'pause',
    'pause reconciliation (no sagas, no drift repair) until resume',
    async (ctx, ns, n) => (await stackHandle(ctx, ns, n)).signal(pauseSignal, true),
    'paused',
  );
  const resume = signalCommand(
    'resume',
    'resume a paused stack',
    async (ctx, ns, n) => (await stackHandle(ctx, ns, n)).signal(pauseSignal, false),
    'resumed',
  );

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
    .description('run the drift check now (repairs the datasource and cluster objects)')
    .argument('[stack]', '<namespace>/<name>')
    .option('--all', 'every running stack of the cluster')
    .action(
      withContext(async (ctx, target: string | undefined, opts: Common & { all?: boolean }) => {
        if (!target === !opts.all) throw new CliError('name one stack, or pass --all', 2);
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
        for (const id of ids) await client.workflow.getHandle(id).signal(driftCheckSignal);
        if (opts.output === 'json') printJson({ signalled: ids });
        else err(`drift check requested for ${ids.length} stack(s)`);
      }),
    );

  return [apply, get, list, describe, retry, pause, resume, del, drift];
}
