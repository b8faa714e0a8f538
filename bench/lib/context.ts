import type { BenchEnv } from './env.js';
import type { BenchGrafana } from './grafana.js';
import type { BenchTemporal } from './temporal.js';

/** Everything a figure needs; one per bench run. */
export interface BenchContext {
  env: BenchEnv;
  grafana: BenchGrafana;
  temporal: BenchTemporal;
  quick: boolean;
  /** `--p6-n`: P6's number of stacks instead of 1,000 (quick) / 10,000 (full). */
  p6N?: number;
  /** `--reps`: repetitions of every figure instead of the quick / full defaults. */
  reps?: number;
  say: (line: string) => void;
  /** grafana-operator's binary (prepared once per run). */
  grafanaOperatorBinary: () => Promise<string>;
  /** A fresh namespace name for one measured run: bench-<figure>-<contender>-<n>. */
  namespace: (tag: string) => string;
}
