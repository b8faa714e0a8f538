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
 * start with none running every count is a start).
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
  try {
    for (let rep = 0; rep < reps; rep++) {
      const op = new StackwrightOperator(ctx.env, `${namespace}-${rep}`);
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
        times.push(seconds(Date.now() - t0));
        peaks.push(op.watcher.peakRssMb);
        ctx.say(`  P6 rep ${rep + 1}/${reps}: ${times.at(-1)}s, watcher peak RSS ${peaks.at(-1)} MB`);
      } finally {
        await op.stop();
      }
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
  fig.figures = { n, repetitions: reps, handover_median_s: fig.summaries['hand-over s'].median };
  fig.met = n >= 10_000 ? fig.summaries['hand-over s'].median <= 60 : null;
  if (n < 10_000) fig.notes.push(`measured at N = ${n}; the target is stated at N = 10,000`);
  return fig;
}
