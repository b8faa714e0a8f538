import { ConfigError } from '../config/parse-env.js';
import { isGrafanaSetting, keep as without } from './fleet.js';
import { runWatcherProcess } from '../watcher/main.js';
import { runWorkerProcess } from '../worker/main.js';

export interface OperatorParts {
  worker(env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<void>;
  watcher(env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<void>;
}

const PARTS: OperatorParts = { worker: runWorkerProcess, watcher: runWatcherProcess };

/**
 * Worker (all roles) and watcher in one process: the operator as `npm start`
 * and `stackwright operator` run it. Both stop on SIGINT/SIGTERM (the worker
 * lets in-flight tasks finish). If either one ends on its own — it failed, or
 * stopped without being asked — the other is stopped too and this rejects, so
 * the process exits non-zero and its supervisor restarts it: a watcher handing
 * specs to workflows no worker of this process runs is worse than a restart.
 */
export async function runOperator(env: NodeJS.ProcessEnv, parts: OperatorParts = PARTS): Promise<void> {
  const stop = new AbortController();
  let asked = false;
  const onSignal = () => void (asked = true);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const guard = async (name: 'worker' | 'watcher', run: Promise<void>): Promise<void> => {
    try {
      await run;
      if (!asked && !stop.signal.aborted) throw new Error(`the ${name} stopped unexpectedly`);
    } catch (e) {
      throw e instanceof Error && e.message.startsWith(`the ${name}`)
        ? e
        : new Error(`the ${name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    } finally {
      stop.abort();
    }
  };
  try {
    const results = await Promise.allSettled([
      guard('worker', parts.worker(env, stop.signal)),
      // One process, one watcher: no lease to elect unless asked for.
      guard('watcher', parts.watcher({ STACKWRIGHT_LEADER_ELECTION: 'false', ...env }, stop.signal)),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function rolesFixed(env: NodeJS.ProcessEnv, roles: string, command: string): void {
  const asked = env.STACKWRIGHT_ROLES;
  if (
    asked !== undefined &&
    asked
      .split(',')
      .map((r) => r.trim())
      .sort()
      .join(',') !== roles
  )
    throw new ConfigError(
      `STACKWRIGHT_ROLES=${asked}: '${command}' always runs ${roles}; unset it, or use 'stackwright worker'`,
    );
}

/**
 * The control plane of a fleet: the workflow and Grafana roles. It holds the
 * Grafana tokens and no Kubernetes credentials at all (KUBECONFIG is not even
 * passed on): every Kubernetes call goes to the agent of the stack's cluster,
 * through Temporal.
 */
export async function runControlPlane(env: NodeJS.ProcessEnv): Promise<void> {
  rolesFixed(env, 'grafana,workflows', 'control-plane');
  await runWorkerProcess({
    ...without(env, (k) => k === 'KUBECONFIG'),
    STACKWRIGHT_ROLES: 'workflows,grafana',
  });
}

/**
 * One cluster's agent: the watcher and the Kubernetes worker (task queue
 * k8s.<STACKWRIGHT_CLUSTER>) with that cluster's credentials only. Grafana
 * settings are dropped before anything reads them, so an agent holds no Grafana
 * token. It only connects out: to its apiserver and to Temporal. Worker and
 * watcher are guarded as in the operator: one ending stops the other.
 */
export async function runAgent(env: NodeJS.ProcessEnv, parts: OperatorParts = PARTS): Promise<void> {
  if (!env.STACKWRIGHT_CLUSTER)
    throw new ConfigError(
      "STACKWRIGHT_CLUSTER is not set: an agent serves exactly one cluster; name it (e.g. 'east')",
    );
  rolesFixed(env, 'kubernetes', 'agent');
  const agentEnv = { ...without(env, isGrafanaSetting), STACKWRIGHT_ROLES: 'kubernetes' };
  await runOperator(agentEnv, parts);
}
