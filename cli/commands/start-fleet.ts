import { readEnvFile } from '../../devstack/env-file.js';
import { envFilePath, statePath } from '../../devstack/paths.js';
import { up } from '../../devstack/stack.js';
import { CliContext } from '../context.js';
import { agentEnv, controlPlaneEnv, spawnStackwright, stopFleet, type FleetProcess } from '../fleet.js';
import type { StackManifest } from '../manifest.js';
import { applyStackCr } from '../stacks.js';
import { waitForStack } from '../wait.js';
import { ensureNamespace, grafanaDatasource } from './start-helpers.js';

const say = (l: string) => void process.stderr.write(`${l}\n`);

/**
 * `npm start -- --clusters N`: the fleet as in production. N clusters in the
 * local stack, one control plane (workflows + Grafana; no kubeconfig), one
 * agent per cluster (watcher + that cluster's Kubernetes worker; no Grafana
 * settings), each a process of its own; the example applied in every cluster
 * and followed until all are Ready. Stays up until Ctrl-C unless `once`.
 */
export async function startFleet(opts: {
  clusters: number;
  once?: boolean;
  timeout: string;
  manifest: StackManifest;
}): Promise<void> {
  const { manifest } = opts;
  say(`== local stack, ${opts.clusters} clusters`);
  const res = await up((l) => say(`  ${l}`), { clusters: opts.clusters });
  const shell = { ...readEnvFile(envFilePath()), ...process.env };
  delete shell.STACKWRIGHT_LOG_FILE;
  // Stacks created by the test suites are theirs alone.
  shell.STACKWRIGHT_STACK_SELECTOR ??= '!stackwright.dev/test-run';

  const procs: FleetProcess[] = [
    spawnStackwright(
      'control-plane',
      'control-plane',
      controlPlaneEnv(shell),
      statePath('logs', 'control-plane.log'),
    ),
    ...res.clusters.map((c) =>
      spawnStackwright(
        `agent ${c.name}`,
        'agent',
        agentEnv(shell, readEnvFile(c.envFile)),
        statePath('logs', `agent-${c.name}.log`),
      ),
    ),
  ];
  for (const p of procs) say(`== ${p.name} (pid ${p.child.pid}), logs in ${p.log}`);
  let stopping = false;
  const died = Promise.race(
    procs.map((p) =>
      p.exited.then(({ code, signal }) => {
        if (!stopping) throw new Error(`${p.name} exited (${signal ?? `code ${code}`}); see ${p.log}`);
      }),
    ),
  );
  died.catch(() => undefined);
  // `on`, not `once`: Ctrl-C reaches this process twice (the terminal's and
  // tsx's relay), and with no listener left tsx exits at once, before the
  // agents have stopped. Later signals only wait for the same stop.
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    void stopFleet(procs);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let failure: unknown;
  try {
    const results = await Promise.all(
      res.clusters.map(async (c) => {
        const env = { ...shell, ...readEnvFile(c.envFile) };
        const ctx = new CliContext(env, c.name);
        const tag = (l: string) => {
          if (stopping) throw new Error('stopped before the stack was Ready');
          say(`  [${c.name}] ${l}`);
        };
        try {
          await ensureNamespace(ctx.kube().core, manifest.namespace);
          const { generation, action } = await applyStackCr(ctx, manifest);
          tag(`monitoringstack ${manifest.namespace}/${manifest.name} ${action} (generation ${generation})`);
          const stack = await Promise.race([
            waitForStack(ctx, { ...manifest, direct: false }, generation, Number(opts.timeout) * 1000, tag),
            died.then(() => {
              throw new Error('stopped before the stack was Ready');
            }),
          ]);
          return { cluster: c.name, stack };
        } finally {
          await ctx.close();
        }
      }),
    );
    for (const { cluster, stack } of results) {
      const ds = (await grafanaDatasource(shell as Record<string, string>, stack.datasource?.uid)) as {
        uid?: string;
        name?: string;
        url?: string;
      };
      process.stdout.write(
        `\n${cluster}/${manifest.namespace}/${manifest.name} is Ready.\n` +
          `  Temporal UI: ${stack.temporalUi}\n` +
          `  Datasource:  "${ds.name}" uid ${ds.uid} → ${ds.url}\n`,
      );
    }
  } catch (e) {
    failure = e;
  }
  if (opts.once || failure) {
    stopping = true;
    await stopFleet(procs);
  } else {
    say('\nFleet running. `npm run stackwright -- list --all-clusters` shows every cluster; Ctrl-C to stop.');
    await Promise.all(procs.map((p) => p.exited));
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (failure) throw failure;
}
