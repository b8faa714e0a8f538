import { BareScript } from '../contenders/bare.js';
import { GrafanaOperator } from '../contenders/grafana-operator.js';
import { StackwrightOperator } from '../contenders/stackwright.js';
import { datasourceUid } from '../../domain/stack-ref.js';
import { pool } from './clock.js';
import type { BenchContext } from './context.js';
import { Convergence } from './grafana.js';
import { createNamespace, createStacks, deleteNamespace, ReadyWatch, TimedOut } from './kube.js';
import type { BenchProcess } from './processes.js';
import { expectedDatasourceName, stackNames, stackSpec, type StackKind } from './stack-specs.js';
import { seconds, summarize, type Summary } from './stats.js';

/** One measured run of one contender: N objects applied at once until all are done. */
export interface FleetRun {
  contender: string;
  n: number;
  kind: StackKind | 'grafana-datasource';
  namespace: string;
  /** First apply → last one done, seconds (with `timedOut`, the time limit: a lower bound). */
  allDoneS: number;
  /** Set when not all were done within the limit: how many were, and why not. */
  timedOut?: { done: number; message: string };
  /** Each object's apply → done, seconds. */
  perStackS: Summary;
  /** [seconds since the first apply, datasources converged in Grafana]. */
  curve: [number, number][];
  /** Requests Grafana received from the contender during the run. */
  grafana: { total: number; perStack: number; byRoute: Record<string, number> };
  /** Peak RSS and CPU-seconds during the run, per process. */
  usage: Record<string, { peakRssMb: number; cpuSeconds: number }>;
}

/** Generous (the machine may be shared); a run that still runs out keeps its numbers, as a lower bound. */
const TIMEOUT_MS = (n: number) => 240_000 + n * 2_000;

/** Awaits `wait`; a TimedOut becomes its message instead of an exception. */
async function bounded(wait: Promise<unknown>): Promise<string | undefined> {
  try {
    await wait;
    return undefined;
  } catch (e) {
    if (e instanceof TimedOut) return e.message;
    throw e;
  }
}

function usageDelta(procs: BenchProcess[], before: Map<BenchProcess, number>): FleetRun['usage'] {
  const out: FleetRun['usage'] = {};
  for (const p of procs) {
    const u = p.usage();
    out[p.name] = {
      peakRssMb: p.peakRssMb,
      cpuSeconds: u ? Math.round((u.cpuSeconds - (before.get(p) ?? 0)) * 10) / 10 : NaN,
    };
  }
  return out;
}

const cpuNow = (procs: BenchProcess[]) => new Map(procs.map((p) => [p, p.usage()?.cpuSeconds ?? 0]));

async function grafanaCost(ctx: BenchContext, n: number): Promise<FleetRun['grafana']> {
  const { total, snapshot } = await ctx.grafana.contenderRequests();
  const byRoute = { ...snapshot.byRoute };
  // The bench's own polls are all list calls: take them out of the contender's routes.
  const own = ctx.grafana.ownRequests;
  if (byRoute['GET /api/datasources'] !== undefined) byRoute['GET /api/datasources'] -= own;
  return { total, perStack: Math.round((total / n) * 100) / 100, byRoute };
}

/** Stackwright with its operator running; `close()` stops it and cleans up namespace, workflows and Grafana. */
export class StackwrightSession {
  readonly operator: StackwrightOperator;
  readonly namespace: string;
  names: string[] = [];
  uids = new Map<string, string>();
  readyWatch: ReadyWatch;

  constructor(
    private readonly ctx: BenchContext,
    tag: string,
    stackOptions?: Record<string, number>,
  ) {
    this.namespace = ctx.namespace(tag);
    this.operator = new StackwrightOperator(ctx.env, this.namespace, stackOptions);
    this.readyWatch = new ReadyWatch(ctx.env, this.namespace);
  }

  async open(): Promise<this> {
    await this.ctx.grafana.deleteAll();
    await createNamespace(this.ctx.env, this.namespace);
    await this.operator.start();
    await this.readyWatch.start();
    return this;
  }

  async fleet(n: number, kind: StackKind): Promise<FleetRun> {
    const { ctx } = this;
    this.names = stackNames(n);
    const spec = stackSpec(ctx.env, kind);
    const expected = new Map(
      this.names.map((nm) => [expectedDatasourceName(this.namespace, nm), ctx.env.vars.PROMETHEUS_URL]),
    );
    const procs = this.operator.processes;
    await ctx.grafana.resetCounts();
    const cpu = cpuNow(procs);
    const conv = new Convergence(ctx.grafana, expected, true).start();
    const t0 = Date.now();
    const created = await createStacks(
      ctx.env,
      this.namespace,
      this.names.map((name) => ({ name, spec })),
    );
    created.forEach((c) => this.uids.set(c.name, c.uid));
    const timedOut = await bounded(this.readyWatch.done(this.names, TIMEOUT_MS(n)));
    const readyAt = this.readyWatch.readyAt;
    const tEnd = timedOut ? t0 + TIMEOUT_MS(n) : Math.max(...readyAt.values());
    await conv.poll();
    conv.stop();
    const usage = usageDelta(procs, cpu);
    const grafana = await grafanaCost(ctx, n);
    return {
      contender: 'stackwright',
      n,
      kind,
      namespace: this.namespace,
      allDoneS: seconds(tEnd - t0),
      ...(timedOut ? { timedOut: { done: readyAt.size, message: timedOut } } : {}),
      perStackS: summarize(
        created.filter((c) => readyAt.has(c.name)).map((c) => seconds(readyAt.get(c.name)! - c.createdAt)),
      ),
      curve: conv.curve(t0),
      grafana,
      usage,
    };
  }

  datasourceUid(name: string): string {
    return datasourceUid({
      cluster: 'local',
      namespace: this.namespace,
      name,
      uid: this.uids.get(name) ?? '',
    });
  }

  async close(): Promise<void> {
    this.readyWatch.stop();
    await this.operator.stop();
    await this.ctx.temporal.terminateNamespace('local', this.namespace);
    await deleteNamespace(this.ctx.env, this.namespace);
    await this.ctx.grafana.deleteAll();
  }
}

/** The bare script over N stacks in parallel (no operator running). */
export async function bareFleet(
  ctx: BenchContext,
  tag: string,
  n: number,
  kind: StackKind,
): Promise<FleetRun> {
  const namespace = ctx.namespace(tag);
  await ctx.grafana.deleteAll();
  await createNamespace(ctx.env, namespace);
  const bare = new BareScript(ctx.env, namespace);
  await bare.start();
  const names = stackNames(n);
  const spec = stackSpec(ctx.env, kind);
  const expected = new Map(
    names.map((nm) => [expectedDatasourceName(namespace, nm), ctx.env.vars.PROMETHEUS_URL]),
  );
  try {
    await ctx.grafana.resetCounts();
    const conv = new Convergence(ctx.grafana, expected, true).start();
    const t0 = Date.now();
    const doneAt = new Map<string, number>();
    // Each stack's CR (for owner references) then its calls; all N at once, like the operator's fleet.
    await pool(names, n, async (name) => {
      const [c] = await createStacks(ctx.env, namespace, [{ name, spec }], 1);
      await bare.provision(name, c!.uid, spec);
      doneAt.set(name, Date.now() - c!.createdAt);
    });
    const tEnd = Date.now();
    await conv.poll();
    conv.stop();
    return {
      contender: 'bare script',
      n,
      kind,
      namespace,
      allDoneS: seconds(tEnd - t0),
      perStackS: summarize([...doneAt.values()].map(seconds)),
      curve: conv.curve(t0),
      grafana: await grafanaCost(ctx, n),
      usage: {},
    };
  } finally {
    bare.stop();
    await deleteNamespace(ctx.env, namespace);
    await ctx.grafana.deleteAll();
  }
}

/** grafana-operator with N GrafanaDatasources applied at once, until all exist in Grafana with the right url. */
export async function grafanaOperatorFleet(
  ctx: BenchContext,
  tag: string,
  n: number,
  maxConcurrentReconciles?: number,
): Promise<FleetRun> {
  const namespace = ctx.namespace(tag);
  await ctx.grafana.deleteAll();
  await createNamespace(ctx.env, namespace);
  const op = new GrafanaOperator(ctx.env, await ctx.grafanaOperatorBinary(), namespace, {
    maxConcurrentReconciles,
  });
  try {
    await op.start();
    await op.registerGrafana(namespace);
    const items = stackNames(n).map((name) => ({
      name: `go-${name}`,
      uid: `go-${namespace}-${name}`.slice(0, 40),
      url: ctx.env.vars.PROMETHEUS_URL,
    }));
    await ctx.grafana.resetCounts();
    const conv = new Convergence(ctx.grafana, new Map(items.map((d) => [d.uid, d.url]))).start();
    const cpu = cpuNow([op.process]);
    const t0 = Date.now();
    await op.createDatasources(namespace, items);
    const timedOut = await bounded(conv.done(TIMEOUT_MS(n)));
    const tEnd = timedOut ? t0 + TIMEOUT_MS(n) : Math.max(...conv.at.values());
    conv.stop();
    const usage = usageDelta([op.process], cpu);
    const label = maxConcurrentReconciles
      ? `grafana-operator (-max-concurrent-reconciles ${maxConcurrentReconciles})`
      : 'grafana-operator (defaults)';
    return {
      contender: label,
      n,
      kind: 'grafana-datasource',
      namespace,
      allDoneS: seconds(tEnd - t0),
      ...(timedOut ? { timedOut: { done: conv.at.size, message: timedOut } } : {}),
      perStackS: summarize([...conv.at.values()].map((t) => seconds(t - t0))),
      curve: conv.curve(t0),
      grafana: await grafanaCost(ctx, n),
      usage,
    };
  } finally {
    await op.stop();
    await deleteNamespace(ctx.env, namespace);
    await ctx.grafana.deleteAll();
  }
}
