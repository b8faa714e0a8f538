import type { FleetRun } from './fleet.js';
import type { Summary } from './stats.js';

/** One figure's result, as written to bench/results/<date>.json. */
export interface FigureResult {
  id: string;
  title: string;
  target: string;
  /** Whether the target is met; null when it could not be judged (not run, or a contender missing). */
  met: boolean | null;
  /** The headline numbers (what the table prints). */
  figures: Record<string, number | string | null>;
  /** Repeated measurements, min/median/max, per contender or case. */
  summaries: Record<string, Summary>;
  runs: FleetRun[];
  notes: string[];
}

export const newFigure = (id: string, title: string, target: string): FigureResult => ({
  id,
  title,
  target,
  met: null,
  figures: {},
  summaries: {},
  runs: [],
  notes: [],
});

/** A run that ran out of time is kept, its time a lower bound: say so next to the numbers. */
export function noteTimeouts(fig: FigureResult): void {
  for (const r of fig.runs) {
    if (r.timedOut)
      fig.notes.push(`${r.contender} n=${r.n}: ${r.timedOut.message}; its time is a lower bound`);
  }
}
