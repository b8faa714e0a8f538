import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../devstack/paths.js';

/**
 * The fleet as separate processes, as in production: one control plane
 * (workflows + Grafana, no kubeconfig) and one agent per cluster (its own
 * kubeconfig, no Grafana settings). `npm start -- --clusters N` runs it; the
 * environment each process gets is built here, from the variables its role may
 * see and nothing else.
 */
export interface FleetProcess {
  name: string;
  child: ChildProcess;
  log: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** What neither role needs from the caller's shell: every cluster's and Grafana's settings. */
const isClusterSetting = (k: string) => k === 'KUBECONFIG' || k === 'STACKWRIGHT_CLUSTER';
/** Grafana's URL, tokens, admin login and config file: an agent never reads them. */
export const isGrafanaSetting = (k: string) => k.startsWith('GRAFANA_') || k === 'STACKWRIGHT_GRAFANA_CONFIG';

/** The variables of `env` that are set and not dropped. */
export const keep = (env: NodeJS.ProcessEnv, drop: (k: string) => boolean): Record<string, string> =>
  Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !drop(e[0])),
  );

/** The control plane's environment: the shell's (Temporal, Grafana) without any cluster's credentials. */
export function controlPlaneEnv(base: NodeJS.ProcessEnv): Record<string, string> {
  return keep(base, isClusterSetting);
}

/**
 * One agent's environment: its cluster's (env file), then the shell's (which
 * wins, e.g. for TEMPORAL_NAMESPACE) except for which cluster and kubeconfig,
 * and never any Grafana setting.
 */
export function agentEnv(base: NodeJS.ProcessEnv, cluster: Record<string, string>): Record<string, string> {
  return {
    ...keep(cluster, isGrafanaSetting),
    ...keep(base, (k) => isGrafanaSetting(k) || isClusterSetting(k)),
    ...keep(cluster, (k) => !isClusterSetting(k)),
    // A local agent: one replica, no lease; its probes on a port of its own choosing.
    STACKWRIGHT_LEADER_ELECTION: 'false',
    STACKWRIGHT_HTTP_ADDRESS: '127.0.0.1:0',
  };
}

// Source checkout: run the TypeScript with tsx; built package: the compiled file.
const fromSource = import.meta.url.endsWith('.ts');
const cliMain = fromSource
  ? path.join(repoRoot, 'cli', 'cli.ts')
  : path.join(repoRoot, 'dist', 'cli', 'cli.js');

/** Starts `stackwright <command>` with exactly `env` (not merged with ours), logging to `log`. */
export function spawnStackwright(
  name: string,
  command: 'control-plane' | 'agent',
  env: Record<string, string>,
  log: string,
): FleetProcess {
  fs.mkdirSync(path.dirname(log), { recursive: true });
  const fd = fs.openSync(log, 'a');
  const child = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), cliMain, command], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { name, child, log, exited };
}

/** SIGTERM (workers drain, watchers stop), SIGKILL after the grace period. */
export async function stopFleet(procs: FleetProcess[], graceMs = 30_000): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return;
      p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
      await p.exited;
      clearTimeout(timer);
    }),
  );
}
