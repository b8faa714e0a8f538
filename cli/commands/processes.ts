import { Command } from 'commander';
import { runWatcherProcess } from '../../watcher/main.js';
import { runWorkerProcess } from '../../worker/main.js';
import { runAgent, runControlPlane, runOperator } from '../operator.js';

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
    .description('run worker (all roles) and watcher in one process, for a single cluster')
    .action(async () => {
      await runOperator(process.env);
    });
  const controlPlane = new Command('control-plane')
    .description(
      'run the control plane of a fleet: workflows and Grafana roles; Grafana tokens, no kubeconfig',
    )
    .action(async () => {
      await runControlPlane(process.env);
    });
  const agent = new Command('agent')
    .description(
      "run one cluster's agent: watcher + Kubernetes worker for STACKWRIGHT_CLUSTER (KUBECONFIG); no Grafana settings",
    )
    .action(async () => {
      await runAgent(process.env);
    });
  return [worker, watcher, operator, controlPlane, agent];
}
