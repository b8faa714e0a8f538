import { runWatcherProcess } from '../watcher/main.js';
import { runWorkerProcess } from '../worker/main.js';

/**
 * Worker (all roles) and watcher in one process: the operator as `npm start`
 * and `stackwright operator` run it. Both stop on SIGINT/SIGTERM (the worker
 * lets in-flight tasks finish); resolves when both have stopped.
 */
export async function runOperator(env: NodeJS.ProcessEnv): Promise<void> {
  const results = await Promise.allSettled([
    runWorkerProcess(env),
    // One process, one watcher: no lease to elect unless asked for.
    runWatcherProcess({ STACKWRIGHT_LEADER_ELECTION: 'false', ...env }),
  ]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
