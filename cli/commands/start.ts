import path from 'node:path';
import { Command } from 'commander';
import { MAX_CLUSTERS } from '../../devstack/clusters.js';
import { clusterCount } from '../cluster-count.js';
import { readEnvFile } from '../../devstack/env-file.js';
import { envFilePath, repoRoot, statePath } from '../../devstack/paths.js';
import { up } from '../../devstack/stack.js';
import { CliContext } from '../context.js';
import { readStackManifests } from '../manifest.js';
import { runOperator } from '../operator.js';
import { applyStackCr } from '../stacks.js';
import { waitForStack } from '../wait.js';
import { ensureNamespace, grafanaDatasource } from './start-helpers.js';
import { startFleet } from './start-fleet.js';

const say = (l: string) => void process.stderr.write(`${l}\n`);

/**
 * `npm start`: the main job on the embedded default. Local stack up, the
 * operator (worker + watcher) in this process, examples/team-a.yaml applied and
 * followed until Ready, then the Temporal UI link and the datasource as Grafana
 * returns it. Stays up until Ctrl-C; `--once` stops after Ready (exit 1 if not).
 */
export function startCommand(): Command {
  return new Command('start')
    .description('local stack + operator + the example stack, followed until Ready')
    .option('--once', 'exit after the stack is Ready (non-zero if it fails)')
    .option(
      '-f, --filename <file>',
      'the MonitoringStack to apply',
      path.join(repoRoot, 'examples', 'team-a.yaml'),
    )
    .option('--timeout <seconds>', 'how long to wait for Ready', '600')
    .option(
      '--clusters <n>',
      `a fleet of n clusters (2 to ${MAX_CLUSTERS}): one control plane, one agent per cluster, the stack applied in each`,
      clusterCount,
      1,
    )
    .action(async (opts: { once?: boolean; filename: string; timeout: string; clusters: number }) => {
      const manifest = readStackManifests(opts.filename, 'default')[0]!;
      if (opts.clusters > 1) return startFleet({ ...opts, manifest });
      say('== local stack');
      const { env } = await up((l) => say(`  ${l}`));
      for (const [k, v] of Object.entries(readEnvFile(envFilePath()))) process.env[k] ??= v;
      process.env.STACKWRIGHT_LOG_FILE ??= statePath('logs', 'operator.log');
      // Stacks created by the test suites are theirs alone.
      const operatorEnv = {
        STACKWRIGHT_CLUSTER: 'local',
        STACKWRIGHT_STACK_SELECTOR: '!stackwright.dev/test-run',
        ...process.env,
      };

      say(`== operator (worker + watcher), logs in ${process.env.STACKWRIGHT_LOG_FILE}`);
      const operator = runOperator(operatorEnv);
      let operatorError: unknown;
      operator.catch((e: unknown) => (operatorError = e));

      const ctx = new CliContext(operatorEnv, 'local');
      let failure: unknown;
      try {
        await ensureNamespace(ctx.kube().core, manifest.namespace);
        say(`== ${manifest.namespace}/${manifest.name}`);
        const { generation, action } = await applyStackCr(ctx, manifest);
        say(`  monitoringstack ${manifest.namespace}/${manifest.name} ${action} (generation ${generation})`);
        const stack = await waitForStack(
          ctx,
          { ...manifest, direct: false },
          generation,
          Number(opts.timeout) * 1000,
          (l) => {
            if (operatorError) throw operatorError;
            say(`  ${l}`);
          },
        );
        const ds = await grafanaDatasource(env, stack.datasource?.uid);
        process.stdout.write(`\n${manifest.namespace}/${manifest.name} is Ready.\n`);
        process.stdout.write(`Temporal UI (this stack's workflow): ${stack.temporalUi}\n`);
        process.stdout.write(`Datasource, as Grafana returns it:\n${JSON.stringify(ds, null, 2)}\n`);
      } catch (e) {
        failure = e;
      } finally {
        await ctx.close();
      }
      if (opts.once || failure) {
        // The same graceful path as Ctrl-C: workers drain, the watcher stops.
        process.kill(process.pid, 'SIGINT');
      } else {
        say(
          '\nOperator running. Apply more stacks with `npm run stackwright -- apply -f <file>`; Ctrl-C to stop.',
        );
      }
      await operator.catch(() => undefined);
      if (failure) throw failure;
      if (operatorError) throw operatorError;
    });
}
