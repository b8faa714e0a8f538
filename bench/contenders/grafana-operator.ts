import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { repoRoot, statePath } from '../../devstack/paths.js';
import { pool, until } from '../lib/clock.js';
import type { BenchEnv } from '../lib/env.js';
import { BENCH_LABEL, kubectlApply } from '../lib/kube.js';
import { BenchProcess } from '../lib/processes.js';
import { waitCrdsEstablished } from '../../devstack/crd-established.js';

const run = promisify(execFile);
const GROUP = 'grafana.integreatly.org';
const VERSION = 'v1beta1';
const TOOLS = path.join(repoRoot, 'tools', 'grafana-operator');

/**
 * grafana-operator v5.19.4, the peer: built by `scripts/build-tools.sh
 * grafana-operator` (a bench dependency, never part of the product); its CRDs
 * are installed from its module in the Go module cache, never copied here. It
 * starts every controller, so every CRD under config/crd/bases/ is needed.
 */
export async function prepareGrafanaOperator(env: BenchEnv, say: (l: string) => void): Promise<string> {
  say('grafana-operator: building or finding it in the cache (scripts/build-tools.sh grafana-operator)');
  const { stdout } = await run(
    'bash',
    [path.join(repoRoot, 'scripts', 'build-tools.sh'), 'grafana-operator'],
    {
      cwd: repoRoot,
      maxBuffer: 16 << 20,
    },
  );
  const dir = stdout
    .trim()
    .split('\n')
    .at(-1)
    ?.replace(/^grafana-operator=/, '');
  if (!dir) throw new Error('build-tools.sh printed no grafana-operator directory');
  const { stdout: moduleDir } = await run(
    'go',
    ['list', '-m', '-f', '{{.Dir}}', 'github.com/grafana/grafana-operator/v5'],
    {
      cwd: TOOLS,
    },
  );
  const crds = path.join(moduleDir.trim(), 'config', 'crd', 'bases');
  await kubectlApply(env, crds);
  // Freshly created CRDs are served only once Established (before that: 404 on the first GrafanaDatasource).
  await waitCrdsEstablished(env.vars.KUBECTL, env.vars.KUBECONFIG, ['-f', crds], 120_000);
  return path.join(dir, 'grafana-operator');
}

export interface GrafanaOperatorOptions {
  /** `-max-concurrent-reconciles` (its default is 1). */
  maxConcurrentReconciles?: number;
}

export class GrafanaOperator {
  readonly process: BenchProcess;
  private readonly custom: k8s.CustomObjectsApi;

  constructor(
    private readonly env: BenchEnv,
    binary: string,
    logTag: string,
    options: GrafanaOperatorOptions = {},
  ) {
    const args = [
      `-metrics-bind-address=127.0.0.1:${env.port(18081)}`,
      `-health-probe-bind-address=127.0.0.1:${env.port(18082)}`,
      '-pprof-addr=',
      ...(options.maxConcurrentReconciles
        ? [`-max-concurrent-reconciles=${options.maxConcurrentReconciles}`]
        : []),
    ];
    this.process = new BenchProcess(
      'grafana-operator',
      binary,
      args,
      { ...process.env, KUBECONFIG: env.vars.KUBECONFIG },
      statePath('bench', 'logs', `${logTag}-grafana-operator.log`),
    );
    this.custom = env.kc.makeApiClient(k8s.CustomObjectsApi);
  }

  async start(): Promise<void> {
    this.process.start();
    await until('grafana-operator /readyz', 120_000, async () => {
      if (!this.process.running) throw new Error(`grafana-operator exited; see ${this.process.logFile}`);
      const res = await fetch(`http://127.0.0.1:${this.env.port(18082)}/readyz`).catch(() => undefined);
      return res?.ok ? true : undefined;
    });
  }

  /** The external Grafana (the emulator) with its token, and wait until the operator has read its version. */
  async registerGrafana(namespace: string): Promise<void> {
    const core = this.env.kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'grafana-token' }, stringData: { token: this.env.vars.GRAFANA_TOKEN } },
    });
    await this.custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: 'grafanas',
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'Grafana',
        metadata: { name: 'company', labels: { [BENCH_LABEL]: 'true', grafana: 'company' } },
        spec: {
          external: { url: this.env.vars.GRAFANA_URL, apiKey: { name: 'grafana-token', key: 'token' } },
        },
      },
    });
    await until(
      'the Grafana resource to reach stage complete/success',
      120_000,
      async () => {
        const g = (await this.custom.getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: 'grafanas',
          name: 'company',
        })) as { status?: { stage?: string; stageStatus?: string; version?: string } };
        return g.status?.stage === 'complete' && g.status.stageStatus === 'success' ? true : undefined;
      },
      500,
    );
  }

  /** N GrafanaDatasources, applied at once; uid and url known up front. */
  async createDatasources(
    namespace: string,
    items: { name: string; uid: string; url: string }[],
  ): Promise<void> {
    await pool(items, 25, (d) =>
      this.custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: 'grafanadatasources',
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'GrafanaDatasource',
          metadata: { name: d.name, labels: { [BENCH_LABEL]: 'true' } },
          spec: {
            instanceSelector: { matchLabels: { grafana: 'company' } },
            datasource: { uid: d.uid, name: d.name, type: 'prometheus', access: 'proxy', url: d.url },
          },
        },
      }),
    );
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}
