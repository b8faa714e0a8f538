import { Command } from 'commander';
import { runWorkerProcess } from '../../worker/main.js';

/** Long-running processes: configured by environment (see README and deploy/). */
export function processCommands(): Command[] {
  const worker = new Command('worker')
    .description('run a Temporal worker (roles from STACKWRIGHT_ROLES: workflows, kubernetes, grafana)')
    .action(async () => {
      await runWorkerProcess(process.env);
    });
  return [worker];
}
