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
