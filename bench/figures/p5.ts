import type { BenchContext } from '../lib/context.js';
import { newFigure, type FigureResult } from '../lib/figure.js';
import { StackwrightSession } from '../lib/fleet.js';
import { createStacks } from '../lib/kube.js';
import { until } from '../lib/clock.js';
import { fullStackSpec } from '../lib/stack-specs.js';
import { seconds, summarize } from '../lib/stats.js';

/** P5: the worker SIGKILLed mid-saga (as soon as the saga has written Provisioning), restarted at once → Ready. */
export async function recovery(ctx: BenchContext): Promise<FigureResult> {
  const reps = ctx.reps ?? (ctx.quick ? 1 : 3);
  const fig = newFigure('P5', 'recovery: worker SIGKILLed mid-saga → Ready after restart', '≤ 15 s');
  const fromRestart: number[] = [];
  const fromKill: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const s = await new StackwrightSession(ctx, 'p5').open();
    try {
      const name = 'victim';
      await createStacks(ctx.env, s.namespace, [{ name, spec: fullStackSpec(ctx.env) }]);
      const step = await until(
        'the saga to be under way',
        60_000,
        () => {
          const st = s.readyWatch.seen.get(name)?.status;
          return st?.phase === 'Provisioning' ? (st.currentStep ?? 'provisioning') : undefined;
        },
        20,
      );
      const killedAt = Date.now();
      await s.operator.killWorkers();
      const restartAt = Date.now();
      await s.operator.startWorkers();
      await s.readyWatch.done([name], 180_000);
      const readyAt = s.readyWatch.readyAt.get(name)!;
      fromRestart.push(seconds(readyAt - restartAt));
      fromKill.push(seconds(readyAt - killedAt));
      ctx.say(`  P5 rep ${rep + 1}/${reps}: killed at '${step}', Ready ${fromRestart.at(-1)}s after restart`);
    } finally {
      await s.close();
    }
  }
  fig.summaries['restart → Ready s'] = summarize(fromRestart);
  fig.summaries['kill → Ready s'] = summarize(fromKill);
  fig.figures = {
    repetitions: reps,
    recovery_median_s: fig.summaries['restart → Ready s'].median,
    max_s: fig.summaries['restart → Ready s'].max,
  };
  fig.met = fig.summaries['restart → Ready s'].max <= 15;
  return fig;
}
