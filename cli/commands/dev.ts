import { Command, Option } from 'commander';
import { MAX_CLUSTERS } from '../../devstack/clusters.js';
import { clusterCount } from '../cluster-count.js';
import { down, status, up } from '../../devstack/stack.js';
import { ToolchainError } from '../../devstack/tools.js';
import { envFilePath } from '../../devstack/paths.js';
import { OPTIONAL_COMPONENTS, type OptionalComponent } from '../../devstack/prometheus-operator.js';
import { EXIT } from '../exit-codes.js';

const fail = (e: unknown): never => {
  const err = e instanceof Error ? e : new Error(String(e));
  throw Object.assign(err, { exitCode: e instanceof ToolchainError ? EXIT.toolchain : EXIT.failure });
};

export function devCommand(): Command {
  const dev = new Command('dev').description(
    'the local stack: Temporal, Kubernetes (etcd, apiserver, kwok), Prometheus, Grafana emulator',
  );

  dev
    .command('up')
    .description(
      'start the local stack (idempotent: running components are reused, unhealthy ones restarted) and print its endpoints',
    )
    .option('-q, --quiet', 'print only errors and the env file path')
    .addOption(
      new Option('--with <component...>', 'also run an optional component (built on first use)').choices(
        OPTIONAL_COMPONENTS,
      ),
    )
    .addOption(
      new Option(
        '--clusters <n>',
        `how many Kubernetes clusters (1 to ${MAX_CLUSTERS}): local, east, west; each extra one is its own apiserver, controller-manager, scheduler and kwok node`,
      )
        .default(1)
        .argParser(clusterCount),
    )
    .action(async (opts: { quiet?: boolean; with?: OptionalComponent[]; clusters: number }) => {
      const say = opts.quiet ? () => undefined : (l: string) => process.stderr.write(`${l}\n`);
      const res = await up(say, { with: opts.with ?? [], clusters: opts.clusters }).catch(fail);
      if (opts.quiet) {
        process.stdout.write(
          `local stack up (${res.clusters.map((c) => c.name).join(', ')}); env in ${envFilePath()}\n`,
        );
        return;
      }
      process.stdout.write(
        `\nLocal stack is up (${res.started.length} started${res.restarted.length ? `, of them ${res.restarted.length} restarted as unhealthy` : ''}, ${res.reused.length} reused).\n`,
      );
      const rows: [string, string][] = [
        ['Temporal gRPC', res.env.TEMPORAL_ADDRESS ?? ''],
        ['Temporal Web UI', res.env.TEMPORAL_UI_URL ?? ''],
        ['Prometheus', res.env.PROMETHEUS_URL ?? ''],
        ['Grafana API (emulator)', res.env.GRAFANA_URL ?? ''],
        ...(res.env.PROMETHEUS_OPERATOR_URL
          ? [['prometheus-operator', res.env.PROMETHEUS_OPERATOR_URL] as [string, string]]
          : []),
        ...res.clusters.flatMap((c): [string, string][] => [
          [`cluster ${c.name}: API`, c.api],
          [`cluster ${c.name}: kubeconfig`, c.kubeconfig],
          [`cluster ${c.name}: env`, c.envFile],
        ]),
      ];
      for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(26)} ${v}\n`);
      process.stdout.write(
        `\nFor scripts:  . ${envFilePath()}\nkubectl:      "$KUBECTL" get ns   (after sourcing)\n`,
      );
    });

  dev
    .command('down')
    .description('stop the processes that dev up started (by pid); data under .stackwright/ is kept')
    .action(async () => {
      await down((l) => process.stderr.write(`${l}\n`));
    });

  dev
    .command('status')
    .description('show each component as up, unhealthy or down')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .action(async (opts: { output: 'table' | 'json' }) => {
      const st = await status();
      if (opts.output === 'json') process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
      else
        for (const s of st) {
          const where = Object.values(s.endpoints).join('  ');
          process.stdout.write(
            `${s.name.padEnd(30)} ${(s.cluster ?? '-').padEnd(8)} ${s.state.padEnd(10)} ${String(s.pid ?? '-').padEnd(8)} ${where}\n`,
          );
        }
      if (st.some((s) => s.state !== 'up')) process.exitCode = EXIT.notReady;
    });
  return dev;
}
