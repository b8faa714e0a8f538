import type { BenchContext } from '../lib/context.js';
import { newFigure, type FigureResult } from '../lib/figure.js';
import { StackwrightOperator } from '../contenders/stackwright.js';
import { until } from '../lib/clock.js';
import { clearFinalizers, createNamespace, createStacks, deleteNamespace } from '../lib/kube.js';
import { fullStackSpec, stackNames } from '../lib/stack-specs.js';
import { seconds, summarize } from '../lib/stats.js';

/**
 * P6: N MonitoringStacks exist when the watcher starts → every one handed to
 * its workflow (the watcher's own started + signalled counters). No worker
 * runs, so this is the watcher's hand-over alone, not N sagas. It counts a
 * stack once its workflow holds the generation durably: `started` is a
 * workflow start with the generation in its input; `signalled` an applySpec
 * update the running workflow accepted (that one needs a worker, so on a first
 * start with none running every count is a start). Each repetition also
 * restarts the watcher among the n running workflows (an upgrade or a
 * failover): the target is stated for the first start, the restart is
 * reported beside it.
 */
export async function watcherStart(ctx: BenchContext): Promise<FigureResult> {
  const n = ctx.p6N ?? (ctx.quick ? 1000 : 10_000);
  const reps = ctx.reps ?? (ctx.quick ? 1 : 3);
  const fig = newFigure(
    'P6',
    `watcher start: ${n} existing MonitoringStacks → every one handed to its workflow`,
    '≤ 60 s at 10,000',
  );
  const namespace = ctx.namespace('p6');
  await createNamespace(ctx.env, namespace);
  const names = stackNames(n);
  const spec = fullStackSpec(ctx.env);
  const t = Date.now();
  await createStacks(
    ctx.env,
    namespace,
    names.map((name) => ({ name, spec })),
    50,
  );
  ctx.say(`  P6: ${n} MonitoringStacks created in ${seconds(Date.now() - t)}s`);
  const times: number[] = [];
  const peaks: number[] = [];
  const restarts: number[] = [];
  /** One watcher process from start until all n stacks are handed over: seconds and peak RSS. */
  const measure = async (tag: string): Promise<{ s: number; peakMb: number }> => {
    const op = new StackwrightOperator(ctx.env, tag);
    const t0 = Date.now();
    op.watcher.start();
    try {
      await until(
        `${n} stacks handed over`,
        900_000,
        async () => {
          if (!op.watcher.running) throw new Error(`the watcher exited; see ${op.watcher.logFile}`);
          return (await op.handedOver().catch(() => 0)) >= n ? true : undefined;
        },
        500,
      );
      return { s: seconds(Date.now() - t0), peakMb: op.watcher.peakRssMb };
    } finally {
      await op.stop();
    }
  };
  try {
    for (let rep = 0; rep < reps; rep++) {
      const first = await measure(`${namespace}-${rep}`);
      times.push(first.s);
      peaks.push(first.peakMb);
      ctx.say(`  P6 rep ${rep + 1}/${reps}: first start ${first.s}s, watcher peak RSS ${first.peakMb} MB`);
      // A restart (upgrade, failover) among the n running workflows, finalizers already on.
      const again = await measure(`${namespace}-${rep}-restart`);
      restarts.push(again.s);
      ctx.say(`  P6 rep ${rep + 1}/${reps}: restart ${again.s}s, watcher peak RSS ${again.peakMb} MB`);
      // Every repetition is a first start: no workflow running and no finalizer of ours yet, so
      // each hand-over is a finalizer patch and a workflow start, as in the first repetition.
      await ctx.temporal.terminateNamespace('local', namespace, 900_000);
      await clearFinalizers(ctx.env, namespace);
    }
  } finally {
    await ctx.temporal.terminateNamespace('local', namespace, 900_000);
    await deleteNamespace(ctx.env, namespace, 900_000);
  }
  fig.summaries['hand-over s'] = summarize(times);
  fig.summaries['watcher peak RSS MB'] = summarize(peaks);
  fig.summaries['restart hand-over s'] = summarize(restarts);
  fig.figures = {
    n,
    repetitions: reps,
    handover_median_s: fig.summaries['hand-over s'].median,
    restart_handover_median_s: fig.summaries['restart hand-over s'].median,
  };
  fig.met = n >= 10_000 ? fig.summaries['hand-over s'].median <= 60 : null;
  if (n < 10_000) fig.notes.push(`measured at N = ${n}; the target is stated at N = 10,000`);
  return fig;
}
