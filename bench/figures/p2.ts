import type { BenchContext } from '../lib/context.js';
import { newFigure, noteTimeouts, type FigureResult } from '../lib/figure.js';
import { WORKER_ROLES } from '../contenders/stackwright.js';
import { grafanaOperatorFleet, StackwrightSession, type FleetRun } from '../lib/fleet.js';
import { externalBackendAvailable, type StackKind } from '../lib/stack-specs.js';
import { ratio, summarize } from '../lib/stats.js';

export interface ConvergenceResults {
  p2: FigureResult;
  p3: FigureResult;
  p4: FigureResult;
}

/**
 * P2 (datasource-only objects at once: Stackwright External stacks versus
 * grafana-operator GrafanaDatasources, defaults and tuned), with P3 (Grafana
 * requests per stack) and P4 (RSS and CPU) taken from the same runs.
 * `withReadyFleet` gets the first Stackwright fleet at N=100 while it is still
 * up (P7 measures drift repair on it).
 */
export async function convergence(
  ctx: BenchContext,
  withReadyFleet: (s: StackwrightSession) => Promise<void>,
): Promise<ConvergenceResults> {
  const sizes = ctx.quick ? [100] : [100, 1000];
  const reps = ctx.reps ?? (ctx.quick ? 1 : 3);
  const kind: StackKind = externalBackendAvailable(ctx.env) ? 'external' : 'full';
  const p2 = newFigure(
    'P2',
    'convergence vs grafana-operator: N datasource-only objects at once',
    'ratio ≥ 1 against grafana-operator defaults at every N (ratio = its time / ours)',
  );
  const p3 = newFigure(
    'P3',
    'Grafana requests per stack, first provisioning (counted by the emulator)',
    '≤ 4 and constant in N',
  );
  const p4 = newFigure(
    'P4',
    'cost: RSS and CPU-seconds with N sagas in flight',
    '≤ 300 MB worker RSS at N = 1,000',
  );
  if (kind === 'full') {
    const why =
      'the External backend (issue 8) is not in this checkout: Stackwright ran full StatefulSet stacks, which do more than a GrafanaDatasource';
    p2.notes.push(why);
    p3.notes.push(why);
    p4.notes.push(why);
  }
  const runs: Record<string, FleetRun[]> = {};
  const push = (key: string, r: FleetRun) => (runs[key] ??= []).push(r);
  let handedFleet = false;
  for (const n of sizes) {
    for (let rep = 0; rep < reps; rep++) {
      const s = await new StackwrightSession(ctx, `p2-sw-${n}`).open();
      try {
        const r = await s.fleet(n, kind);
        push(`stackwright n=${n}`, r);
        ctx.say(
          `  P2 n=${n} rep ${rep + 1}/${reps}: stackwright ${r.allDoneS}s, ${r.grafana.perStack} Grafana requests/stack`,
        );
        if (n === 100 && !handedFleet) {
          handedFleet = true;
          await withReadyFleet(s);
        }
      } finally {
        await s.close();
      }
      for (const tuned of [undefined, 10]) {
        const r = await grafanaOperatorFleet(ctx, `p2-go${tuned ? 't' : 'd'}-${n}`, n, tuned);
        push(`${tuned ? 'grafana-operator tuned' : 'grafana-operator defaults'} n=${n}`, r);
        ctx.say(`  P2 n=${n} rep ${rep + 1}/${reps}: ${r.contender} ${r.allDoneS}s`);
      }
    }
  }
  for (const [key, list] of Object.entries(runs)) {
    p2.summaries[key] = summarize(list.map((r) => r.allDoneS));
    p3.summaries[key] = summarize(list.map((r) => r.grafana.perStack));
  }
  p2.runs = Object.values(runs).flat();
  noteTimeouts(p2);
  let ahead = true;
  for (const n of sizes) {
    const sw = p2.summaries[`stackwright n=${n}`];
    const rDefault = ratio(p2.summaries[`grafana-operator defaults n=${n}`], sw);
    const rTuned = ratio(p2.summaries[`grafana-operator tuned n=${n}`], sw);
    p2.figures[`ratio_defaults_n${n}`] = rDefault;
    p2.figures[`ratio_tuned_n${n}`] = rTuned;
    p2.figures[`stackwright_median_s_n${n}`] = sw?.median ?? null;
    p2.figures[`grafana_operator_defaults_median_s_n${n}`] =
      p2.summaries[`grafana-operator defaults n=${n}`]?.median ?? null;
    p2.figures[`grafana_operator_tuned_median_s_n${n}`] =
      p2.summaries[`grafana-operator tuned n=${n}`]?.median ?? null;
    ahead &&= rDefault !== null && rDefault >= 1;
    p3.figures[`stackwright_n${n}`] = p3.summaries[`stackwright n=${n}`]?.median ?? null;
    p3.figures[`grafana_operator_defaults_n${n}`] =
      p3.summaries[`grafana-operator defaults n=${n}`]?.median ?? null;
  }
  p2.figures.stackwright_kind = kind;
  p2.met = kind === 'external' ? ahead : null;
  const perStack = sizes.map((n) => p3.figures[`stackwright_n${n}`] as number | null);
  p3.met =
    perStack.every((x) => x !== null && x <= 4) &&
    (perStack.length < 2 || Math.abs(perStack[0]! - perStack[1]!) < 0.5);
  p3.runs = (runs[`stackwright n=${sizes[0]}`] ?? []).slice(0, 1);
  p3.figures.byRoute_first_run = JSON.stringify(p3.runs[0]?.grafana.byRoute ?? {});

  const nMax = sizes.at(-1)!;
  const swMax = runs[`stackwright n=${nMax}`] ?? [];
  const goMax = runs[`grafana-operator defaults n=${nMax}`] ?? [];
  const med = (list: FleetRun[], proc: string, field: 'peakRssMb' | 'cpuSeconds') =>
    summarize(list.map((r) => r.usage[proc]?.[field] ?? NaN).filter(Number.isFinite));
  // Stackwright runs as deploy/base does: one worker process per role. The workflows worker
  // holds the sagas in flight (its cache grows with N): the target is on it; the sum of all
  // Stackwright processes is what the install costs, next to grafana-operator's one process.
  const total = (list: FleetRun[], field: 'peakRssMb' | 'cpuSeconds') =>
    summarize(
      list
        .map((r) => Object.entries(r.usage).filter(([p]) => p.startsWith('stackwright ')))
        .map((procs) => procs.reduce((sum, [, u]) => sum + u[field], 0))
        .filter(Number.isFinite),
    );
  p4.summaries = {
    'worker peak RSS MB': med(swMax, 'stackwright worker (workflows)', 'peakRssMb'),
    ...Object.fromEntries(
      WORKER_ROLES.filter((r) => r !== 'workflows').map((r) => [
        `${r} worker peak RSS MB`,
        med(swMax, `stackwright worker (${r})`, 'peakRssMb'),
      ]),
    ),
    'watcher peak RSS MB': med(swMax, 'stackwright watcher', 'peakRssMb'),
    'all Stackwright processes peak RSS MB (sum)': total(swMax, 'peakRssMb'),
    ...Object.fromEntries(
      WORKER_ROLES.map((r) => [
        r === 'workflows' ? 'worker CPU s' : `${r} worker CPU s`,
        med(swMax, `stackwright worker (${r})`, 'cpuSeconds'),
      ]),
    ),
    'watcher CPU s': med(swMax, 'stackwright watcher', 'cpuSeconds'),
    'all Stackwright processes CPU s': total(swMax, 'cpuSeconds'),
    'grafana-operator peak RSS MB': med(goMax, 'grafana-operator', 'peakRssMb'),
    'grafana-operator CPU s': med(goMax, 'grafana-operator', 'cpuSeconds'),
  };
  p4.figures = Object.fromEntries(Object.entries(p4.summaries).map(([k, v]) => [k, v.median]));
  p4.figures.n = nMax;
  p4.met = nMax >= 1000 ? p4.summaries['worker peak RSS MB']!.median <= 300 : null;
  if (nMax < 1000) p4.notes.push(`measured at N = ${nMax} (--quick); the target is stated at N = 1,000`);
  return { p2, p3, p4 };
}
