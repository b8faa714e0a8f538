// `npm run bench` (full) and `npm run bench -- --quick`: every figure of
// bench/README.md measured in one run against the local stack (same apiserver,
// same Grafana emulator), each contender alone on a clean Grafana state.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { TEMPORAL_DB } from '../devstack/components.js';
import { repoRoot, statePath } from '../devstack/paths.js';
import { buildStackwright } from './contenders/stackwright.js';
import { prepareGrafanaOperator } from './contenders/grafana-operator.js';
import { sagaOverhead } from './figures/p1.js';
import { convergence } from './figures/p2.js';
import { recovery } from './figures/p5.js';
import { watcherStart } from './figures/p6.js';
import { driftRepair } from './figures/p7.js';
import { convergenceChart, type Panel } from './lib/chart.js';
import type { BenchContext } from './lib/context.js';
import { BenchEnvError, loadBenchEnv } from './lib/env.js';
import type { FigureResult } from './lib/figure.js';
import { BenchGrafana } from './lib/grafana.js';
import { deleteNamespace, leftoverNamespaces } from './lib/kube.js';
import { stopChildrenOnSignal } from './lib/processes.js';
import { summarize } from './lib/stats.js';
import { BenchTemporal } from './lib/temporal.js';
import { summaryOf } from './summary.js';
import { table } from './table.js';

const FIGURES = ['P1', 'P1b', 'P5', 'P2', 'P6'] as const;

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

const program = new Command('bench')
  .description('Stackwright benchmarks side by side with a bare script and grafana-operator')
  .option('--quick', 'smaller N and fewer repetitions (under 6 minutes on 2 cores)')
  .option('--only <figures>', `comma-separated subset of ${FIGURES.join(',')} (P2 includes P3, P4, P7)`)
  .option('--label <text>', 'a note stored with the results (e.g. "before: polling readiness")')
  .option('--p6-n <count>', "P6's number of existing stacks (default 1,000 quick, 10,000 full)", positiveInt)
  .option(
    '--reps <count>',
    'repetitions of every figure (default: 1 quick, 3 full; P1: 3 quick, 5 full)',
    positiveInt,
  );
program.parse();
const opts = program.opts<{ quick?: boolean; only?: string; label?: string; p6N?: number; reps?: number }>();

const say = (l: string) => void process.stderr.write(`${l}\n`);
const only = opts.only ? new Set(opts.only.split(',').map((s) => s.trim().toUpperCase())) : undefined;
const wanted = (f: string) => !only || only.has(f.toUpperCase());

const TEMPORAL_DB_WARN_MIB = 200;
/** The dev server's SQLite file, WAL included (0 when the local stack keeps it elsewhere). */
function temporalDatabaseMiB(): number {
  const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  return Math.round((size(TEMPORAL_DB) + size(`${TEMPORAL_DB}-wal`)) / 2 ** 20);
}

async function main(): Promise<void> {
  stopChildrenOnSignal();
  const started = new Date();
  const env = loadBenchEnv();
  const grafana = new BenchGrafana(env);
  await grafana.counts.read().catch((e: unknown) => {
    throw new BenchEnvError(
      `the Grafana emulator has no request counter (${String(e)}); restart the local stack (npm run dev -- down && npm run dev -- up)`,
    );
  });
  const temporal = await BenchTemporal.connect(env);
  const temporalDbMiB = temporalDatabaseMiB();
  if (temporalDbMiB > TEMPORAL_DB_WARN_MIB)
    say(
      `warning: the Temporal dev server's database is ${temporalDbMiB} MiB; every figure through Temporal runs slower on a large SQLite file (P2 at N = 100 took 16.1 s on 1 GiB, 10.4 s on a fresh one). For comparable figures: npm run dev -- down, remove ${TEMPORAL_DB}*, npm run dev -- up`,
    );
  let seq = 0;
  const runTag = started.toISOString().slice(11, 19).replace(/:/g, '');
  let goBinary: Promise<string> | undefined;
  const ctx: BenchContext = {
    env,
    grafana,
    temporal,
    quick: Boolean(opts.quick),
    ...(opts.p6N !== undefined ? { p6N: opts.p6N } : {}),
    ...(opts.reps !== undefined ? { reps: opts.reps } : {}),
    say,
    grafanaOperatorBinary: () => (goBinary ??= prepareGrafanaOperator(env, say)),
    namespace: (tag) => `bench-${runTag}-${tag}-${++seq}`.slice(0, 63),
  };

  const load: number[] = [];
  const loadTimer = setInterval(() => load.push(os.loadavg()[0]!), 10_000);
  const figures: FigureResult[] = [];
  const failures: Record<string, string> = {};
  try {
    for (const ns of await leftoverNamespaces(env)) {
      say(`cleaning up ${ns} (left by an earlier run)`);
      await temporal.terminateNamespace('local', ns);
      await deleteNamespace(env, ns);
    }
    await temporal.terminateLeftovers('local');
    say(`== build (as the container image runs it)`);
    await buildStackwright(say);
    const attempt = async (id: string, fn: () => Promise<void>) => {
      if (!wanted(id)) return;
      say(`== ${id}`);
      try {
        await fn();
      } catch (e) {
        failures[id] = e instanceof Error ? e.message : String(e);
        say(`  ${id} failed: ${failures[id]}`);
      }
    };
    await attempt('P1', async () => void figures.push(await sagaOverhead(ctx, false)));
    await attempt('P1b', async () => void figures.push(await sagaOverhead(ctx, true)));
    await attempt('P5', async () => void figures.push(await recovery(ctx)));
    await attempt('P2', async () => {
      let p7: FigureResult | undefined;
      try {
        const r = await convergence(ctx, async (s) => {
          try {
            p7 = await driftRepair(ctx, s);
          } catch (e) {
            failures.P7 = e instanceof Error ? e.message : String(e);
          }
        });
        figures.push(r.p2, r.p3, r.p4);
      } finally {
        // P7 is measured on Stackwright's fleet before the peer runs: a later failure does not undo it.
        if (p7) figures.push(p7);
      }
    });
    await attempt('P6', async () => void figures.push(await watcherStart(ctx)));
  } finally {
    clearInterval(loadTimer);
    await temporal.close();
  }

  const finished = new Date();
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    go: safe(() => execFileSync('go', ['env', 'GOVERSION']).toString().trim()),
    loadavg1m: summarize(load),
    temporalDbMiBAtStart: temporalDbMiB,
    note: 'load average sampled every 10 s during the run; above the core count means other work shared the CPUs and the absolute times are noisy (ratios less so: contenders alternate)',
  };
  const results = {
    kind: ctx.quick ? 'quick' : 'full',
    repetitions: ctx.reps ?? 'default',
    label: opts.label ?? null,
    started: started.toISOString(),
    finished: finished.toISOString(),
    durationS: Math.round((finished.getTime() - started.getTime()) / 1000),
    git: safe(() =>
      execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim(),
    ),
    machine,
    summary: summaryOf(figures, ctx.quick),
    failures,
    figures,
  };
  const stamp = started
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const resultsDir = path.join(repoRoot, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const base = path.join(
    resultsDir,
    `${stamp}${ctx.quick ? '-quick' : ''}${ctx.reps ? `-reps${ctx.reps}` : ''}`,
  );
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  fs.mkdirSync(statePath('bench'), { recursive: true });
  fs.writeFileSync(statePath('bench', 'summary.json'), `${JSON.stringify(results.summary, null, 2)}\n`);
  fs.writeFileSync(
    `${base}.svg`,
    convergenceChart(
      panels(figures),
      `${results.kind} run ${results.started}, ${machine.cpus} cores, ${machine.memoryGiB} GiB, load ${machine.loadavg1m.median}`,
    ),
  );
  process.stdout.write(`${table(figures, results.summary)}\n`);
  process.stdout.write(
    `results: ${path.relative(repoRoot, base)}.json, chart ${path.relative(repoRoot, base)}.svg, summary .stackwright/bench/summary.json\n`,
  );
  if (Object.keys(failures).length) {
    process.stdout.write(
      `failed: ${Object.entries(failures)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n')}\n`,
    );
    process.exitCode = 1;
  }
}

function panels(figures: FigureResult[]): Panel[] {
  const out: Panel[] = [];
  for (const f of figures.filter((x) => x.id === 'P1b' || x.id === 'P2')) {
    const byN = new Map<number, FigureResult['runs']>();
    for (const r of f.runs) byN.set(r.n, [...(byN.get(r.n) ?? []), r]);
    for (const [n, runs] of byN) {
      const firstPer = new Map<string, (typeof runs)[number]>();
      for (const r of runs) if (!firstPer.has(r.contender)) firstPer.set(r.contender, r);
      out.push({
        title: `${f.id}: ${n} ${f.id === 'P1b' ? 'full stacks' : 'datasource-only objects'} applied at once`,
        series: [...firstPer.values()].map((r) => ({
          label: `${r.contender} (${r.allDoneS}s)`,
          points: r.curve,
        })),
      });
    }
  }
  return out;
}

function safe(f: () => string): string {
  try {
    return f();
  } catch {
    return 'unknown';
  }
}

main()
  .catch((e: unknown) => {
    say(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = e instanceof BenchEnvError ? 2 : 1;
  })
  // Watches and keep-alive sockets of the clients would hold the process open once the results are out.
  .finally(() => process.exit());
