import { Command } from 'commander';
import { runWatcherProcess } from '../../watcher/main.js';
import { runWorkerProcess } from '../../worker/main.js';
import { runOperator } from '../operator.js';

/** Long-running processes: configured by environment (see README and deploy/). */
export function processCommands(): Command[] {
  const worker = new Command('worker')
    .description('run a Temporal worker (roles from STACKWRIGHT_ROLES: workflows, kubernetes, grafana)')
    .action(async () => {
      await runWorkerProcess(process.env);
    });
  const watcher = new Command('watcher')
    .description('run the MonitoringStack watcher (leader election on by default; see deploy/)')
    .action(async () => {
      await runWatcherProcess(process.env);
    });
  const operator = new Command('operator')
    .description('run worker (all roles) and watcher in one process')
    .action(async () => {
      await runOperator(process.env);
    });
  return [worker, watcher, operator];
}
