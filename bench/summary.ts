import type { FigureResult } from './lib/figure.js';

/** The keys of .stackwright/bench/summary.json (issue 12's contract); null when not measured in this run. */
export interface BenchSummary {
  p1_ratio: number | null;
  p1b_ratio: number | null;
  p2_ratio: number | null;
  p2_ratio_tuned: number | null;
  p3_grafana_calls_per_stack_n100: number | null;
  p3_grafana_calls_per_stack_n1000: number | null;
  p4_worker_rss_mb: number | null;
  p5_recovery_s: number | null;
  p6_handover_s: number | null;
  p7_drift_repair_s: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Figures whose definition fixes N (P3 at 1,000, P4 at 1,000 sagas, P6 at
 * 10,000) are null when --quick measured them at a smaller N; P2 is null when
 * the Stackwright side could not run datasource-only (External) stacks.
 */
export function summaryOf(figures: FigureResult[], quick: boolean): BenchSummary {
  const f = (id: string) => figures.find((x) => x.id === id);
  const p2 = f('P2');
  const external = p2?.figures.stackwright_kind === 'external';
  const worst = (prefix: string) => {
    const vals = Object.entries(p2?.figures ?? {})
      .filter(([k]) => k.startsWith(prefix))
      .map(([, v]) => num(v));
    return vals.length && vals.every((v) => v !== null) ? Math.min(...(vals as number[])) : null;
  };
  return {
    p1_ratio: num(f('P1')?.figures.ratio),
    p1b_ratio: num(f('P1b')?.figures.ratio),
    p2_ratio: external ? worst('ratio_defaults_') : null,
    p2_ratio_tuned: external ? worst('ratio_tuned_') : null,
    p3_grafana_calls_per_stack_n100: num(f('P3')?.figures.stackwright_n100),
    p3_grafana_calls_per_stack_n1000: quick ? null : num(f('P3')?.figures.stackwright_n1000),
    p4_worker_rss_mb: quick ? null : num(f('P4')?.figures['worker peak RSS MB']),
    p5_recovery_s: num(f('P5')?.figures.recovery_median_s),
    // As defined at N = 10,000 only (a --p6-n run of a quick bench counts too).
    p6_handover_s: (num(f('P6')?.figures.n) ?? 0) >= 10_000 ? num(f('P6')?.figures.handover_median_s) : null,
    p7_drift_repair_s: num(f('P7')?.figures.repair_s),
  };
}
