import type { BenchContext } from '../lib/context.js';
import { newFigure, noteTimeouts, type FigureResult } from '../lib/figure.js';
import { bareFleet, StackwrightSession, type FleetRun } from '../lib/fleet.js';
import { ratio, summarize } from '../lib/stats.js';

/**
 * P1 (one stack) and P1b (N stacks at once): CR applied → Ready with
 * Stackwright, versus the bare script making the same calls. Repetitions
 * alternate which contender goes first, so load that drifts over the run
 * (other users of the machine) falls on both alike.
 */
export async function sagaOverhead(ctx: BenchContext, fleet: boolean): Promise<FigureResult> {
  const n = fleet ? (ctx.quick ? 50 : 500) : 1;
  const reps = ctx.reps ?? (fleet ? (ctx.quick ? 1 : 3) : ctx.quick ? 3 : 5);
  const fig = fleet
    ? newFigure('P1b', `fleet apply: ${n} full stacks at once → all Ready`, '≤ 1.5× the bare script')
    : newFigure('P1', 'saga overhead: one stack, CR applied → Ready', '≤ 1.5× the bare script');
  const sw: FleetRun[] = [];
  const bare: FleetRun[] = [];
  const tag = fleet ? 'p1b' : 'p1';
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? (['sw', 'bare'] as const) : (['bare', 'sw'] as const);
    for (const who of order) {
      if (who === 'sw') {
        const s = await new StackwrightSession(ctx, `${tag}-sw`).open();
        try {
          sw.push(await s.fleet(n, 'full'));
        } finally {
          await s.close();
        }
        ctx.say(`  ${fig.id} rep ${rep + 1}/${reps}: stackwright ${sw.at(-1)!.allDoneS}s`);
      } else {
        bare.push(await bareFleet(ctx, `${tag}-bare`, n, 'full'));
        ctx.say(`  ${fig.id} rep ${rep + 1}/${reps}: bare script ${bare.at(-1)!.allDoneS}s`);
      }
    }
  }
  fig.runs = [...sw, ...bare];
  fig.summaries.stackwright = summarize(sw.map((r) => r.allDoneS));
  fig.summaries['bare script'] = summarize(bare.map((r) => r.allDoneS));
  if (fleet) {
    fig.summaries['stackwright per-stack median'] = summarize(sw.map((r) => r.perStackS.median));
    fig.summaries['bare script per-stack median'] = summarize(bare.map((r) => r.perStackS.median));
  }
  const r = ratio(fig.summaries.stackwright, fig.summaries['bare script']);
  fig.figures = {
    n,
    repetitions: reps,
    stackwright_median_s: fig.summaries.stackwright.median,
    bare_median_s: fig.summaries['bare script'].median,
    ratio: r,
  };
  fig.met = r === null ? null : r <= 1.5;
  noteTimeouts(fig);
  return fig;
}
