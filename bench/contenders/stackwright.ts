import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import axios from 'axios';
import { repoRoot, statePath } from '../../devstack/paths.js';
import { until } from '../lib/clock.js';
import type { BenchEnv } from '../lib/env.js';
import { BENCH_LABEL } from '../lib/kube.js';
import { BenchProcess } from '../lib/processes.js';
import { ROLES } from '../../worker/config.js';
import { IMAGE_ENV, WORKFLOWS_NODE_FLAGS } from '../../worker/process-flags.js';

const run = promisify(execFile);
export const BUNDLE = statePath('bench', 'workflow-bundle.js');
// The container image's entry points, as deploy/base runs them (not the CLI, which loads every command).
const WORKER_MAIN = path.join(repoRoot, 'dist', 'worker', 'run.js');
const WATCHER_MAIN = path.join(repoRoot, 'dist', 'watcher', 'run.js');
/** deploy/base runs one worker Deployment per role. */
export const WORKER_ROLES = ROLES;
/** Extra node flags for a process, e.g. BENCH_NODE_ARGS_WORKER='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile it. */
const nodeArgs = (proc: 'WORKER' | 'WATCHER') =>
  process.env[`BENCH_NODE_ARGS_${proc}`]?.split(' ').filter(Boolean) ?? [];

/**
 * Builds Stackwright the way its container image runs it: tsc to dist/ and a
 * prebuilt workflow bundle, so a (re)started worker needs no webpack.
 */
export async function buildStackwright(say: (l: string) => void): Promise<void> {
  const t0 = Date.now();
  await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repoRoot, maxBuffer: 16 << 20 });
  await run(process.execPath, [path.join(repoRoot, 'dist', 'scripts', 'build-workflow-bundle.js'), BUNDLE], {
    cwd: repoRoot,
    maxBuffer: 16 << 20,
  });
  say(`built dist/ and the workflow bundle in ${Math.round((Date.now() - t0) / 1000)}s`);
}

/** Stackwright as deploy/base runs it: a worker process per role and the watcher (one replica each). */
export class StackwrightOperator {
  /** The workflows, kubernetes and grafana workers, one process each (deploy/base/worker-*.yaml). */
  readonly workers: BenchProcess[];
  readonly watcher: BenchProcess;
  readonly watcherHttp: string;

  constructor(env: BenchEnv, logTag: string, stackOptions?: Record<string, number>) {
    const base: NodeJS.ProcessEnv = {
      ...process.env,
      ...IMAGE_ENV,
      ...env.vars,
      STACKWRIGHT_PORT_OFFSET: String(env.vars.STACKWRIGHT_PORT_OFFSET),
      STACKWRIGHT_CLUSTER: 'local',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
    };
    delete base.STACKWRIGHT_LOG_FILE;
    const logs = (n: string) => statePath('bench', 'logs', `${logTag}-${n}.log`);
    // One process per role, each started as deploy/base starts it (node [flags] dist/worker/run.js),
    // with the image's environment (worker/process-flags.ts).
    this.workers = WORKER_ROLES.map(
      (role) =>
        new BenchProcess(
          `stackwright worker (${role})`,
          process.execPath,
          [...(role === 'workflows' ? WORKFLOWS_NODE_FLAGS : []), ...nodeArgs('WORKER'), WORKER_MAIN],
          { ...base, STACKWRIGHT_ROLES: role, STACKWRIGHT_WORKFLOW_BUNDLE: BUNDLE },
          logs(`worker-${role}`),
        ),
    );
    const httpPort = env.port(18080);
    this.watcherHttp = `http://127.0.0.1:${httpPort}`;
    this.watcher = new BenchProcess(
      'stackwright watcher',
      process.execPath,
      [...nodeArgs('WATCHER'), WATCHER_MAIN],
      {
        ...base,
        STACKWRIGHT_LEADER_ELECTION: 'false',
        STACKWRIGHT_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
        STACKWRIGHT_STACK_SELECTOR: `${BENCH_LABEL}=true`,
        ...(stackOptions ? { STACKWRIGHT_STACK_OPTIONS: JSON.stringify(stackOptions) } : {}),
      },
      logs('watcher'),
    );
  }

  /** Starts (or restarts) every worker process and waits until each is running. */
  async startWorkers(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        const from = w.logSize();
        w.start();
        await w.waitForLog(/stackwright worker running/, 120_000, from);
      }),
    );
  }

  /** SIGKILLs every worker process at once (a node lost). */
  async killWorkers(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.kill()));
  }

  /** Every Stackwright process of this contender, for RSS and CPU. */
  get processes(): BenchProcess[] {
    return [...this.workers, this.watcher];
  }

  async startWatcher(): Promise<void> {
    this.watcher.start();
    await until('the watcher /readyz', 180_000, async () => {
      if (!this.watcher.running) throw new Error(`the watcher exited; see ${this.watcher.logFile}`);
      const res = await axios
        .get(`${this.watcherHttp}/readyz`, { validateStatus: () => true, timeout: 2000 })
        .catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.startWorkers(), this.startWatcher()]);
  }

  /** The watcher's counters (/metrics): how many stacks it has handed to their workflows. */
  async handedOver(): Promise<number> {
    const res = await axios.get(`${this.watcherHttp}/metrics`, { timeout: 5000 });
    const text = String(res.data);
    const sum = (name: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(name))
        .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    return (
      sum('stackwright_watcher_workflows_started_total') +
      sum('stackwright_watcher_workflows_signalled_total') +
      sum('stackwright_watcher_workflows_unchanged_total') +
      sum('stackwright_watcher_workflows_known_total')
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
  }
}
