import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { probeHttp } from './net.js';
import { repoRoot, statePath } from './paths.js';
import { PORTS } from './ports.js';
import type { StartSpec } from './proc.js';
import type { Tools } from './tools.js';

export { PORT_OFFSET, PORTS } from './ports.js';

/** The dev server's SQLite database (the bench reports and warns about its size). */
export const TEMPORAL_DB = statePath('temporal', 'temporal.db');

export const TEMPORAL_SEARCH_ATTRIBUTES = {
  StackCluster: 'Keyword',
  StackNamespace: 'Keyword',
  StackName: 'Keyword',
  StackPhase: 'Keyword',
  StackStep: 'Keyword',
  StackGrafanaInstance: 'Keyword',
  StackDatasource: 'Keyword',
  StackDesired: 'Keyword',
  SweepStacks: 'Int',
  SweepDrifted: 'Int',
} as const;

export interface Ctx {
  tools: Tools;
  grafanaAdminPassword: string;
}

export interface Component {
  name: string;
  ports: number[];
  /** What `dev up` prints for this component. */
  endpoints: Record<string, string>;
  prepare?(ctx: Ctx): void;
  start(ctx: Ctx): StartSpec;
  /** Readiness needs no tools (a cluster's component reads its own PKI), so `dev status` can probe. */
  ready(): Promise<boolean>;
  readyTimeoutMs: number;
  afterReady?(ctx: Ctx): Promise<void>;
}

const localhost = '127.0.0.1';

/** Runs a command, resolving to its stdout; rejects with its stderr. */
export function run(bin: string, args: string[], input?: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`${path.basename(bin)} ${args.join(' ')}: ${stderr || err.message}`))
        : resolve(stdout),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

const etcd: Component = {
  name: 'etcd',
  ports: [PORTS.etcdClient, PORTS.etcdPeer],
  endpoints: { client: `http://${localhost}:${PORTS.etcdClient}` },
  start: ({ tools }) => ({
    component: 'etcd',
    bin: tools.etcd,
    args: [
      '--name=stackwright-dev',
      `--data-dir=${statePath('etcd')}`,
      `--listen-client-urls=http://${localhost}:${PORTS.etcdClient}`,
      `--advertise-client-urls=http://${localhost}:${PORTS.etcdClient}`,
      `--listen-peer-urls=http://${localhost}:${PORTS.etcdPeer}`,
      `--initial-advertise-peer-urls=http://${localhost}:${PORTS.etcdPeer}`,
      `--initial-cluster=stackwright-dev=http://${localhost}:${PORTS.etcdPeer}`,
      '--log-level=warn',
    ],
  }),
  ready: () =>
    probeHttp({
      url: `http://${localhost}:${PORTS.etcdClient}/health`,
      expect: (s, b) => s === 200 && b.includes('true'),
    }),
  readyTimeoutMs: 30_000,
};

const temporal: Component = {
  name: 'temporal',
  ports: [PORTS.temporal, PORTS.temporalUi, PORTS.temporalHttp, PORTS.temporalMetrics],
  endpoints: { grpc: `${localhost}:${PORTS.temporal}`, ui: `http://${localhost}:${PORTS.temporalUi}` },
  start: ({ tools }) => ({
    component: 'temporal',
    bin: tools.temporal,
    args: [
      'server',
      'start-dev',
      `--ip=${localhost}`,
      `--port=${PORTS.temporal}`,
      `--ui-port=${PORTS.temporalUi}`,
      `--http-port=${PORTS.temporalHttp}`,
      `--metrics-port=${PORTS.temporalMetrics}`,
      `--db-filename=${TEMPORAL_DB}`,
      // Every history update is a SQLite transaction on one connection: with the default rollback
      // journal and synchronous=FULL each costs several fsyncs (14 ms median measured under load).
      // WAL with synchronous=NORMAL fsyncs only at checkpoints; a crash may lose the last commits
      // of a dev server, never corrupt it.
      '--sqlite-pragma=journal_mode=WAL',
      '--sqlite-pragma=synchronous=NORMAL',
      '--log-level=warn',
      ...Object.entries(TEMPORAL_SEARCH_ATTRIBUTES).map(([k, v]) => `--search-attribute=${k}=${v}`),
    ],
  }),
  prepare: () => fs.mkdirSync(statePath('temporal'), { recursive: true }),
  // The HTTP API answers for a namespace only once the frontend serves requests.
  ready: async () =>
    (await probeHttp({ url: `http://${localhost}:${PORTS.temporalUi}/` })) &&
    probeHttp({ url: `http://${localhost}:${PORTS.temporalHttp}/api/v1/namespaces/default` }),
  readyTimeoutMs: 60_000,
  // A reused server may predate an attribute added since (the flags above act
  // only at its first start); creating one that exists is a no-op.
  afterReady: async ({ tools }) => {
    await run(tools.temporal, [
      'operator',
      'search-attribute',
      'create',
      `--address=${localhost}:${PORTS.temporal}`,
      '--namespace=default',
      ...Object.entries(TEMPORAL_SEARCH_ATTRIBUTES).flatMap(([k, v]) => [`--name=${k}`, `--type=${v}`]),
    ]);
  },
};

const prometheusConfig = `# Written by 'stackwright dev up'.
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['${localhost}:${PORTS.prometheus}']
`;

const prometheus: Component = {
  name: 'prometheus',
  ports: [PORTS.prometheus],
  endpoints: { url: `http://${localhost}:${PORTS.prometheus}` },
  prepare: () => {
    fs.mkdirSync(statePath('prometheus', 'data'), { recursive: true });
    fs.writeFileSync(statePath('prometheus', 'prometheus.yml'), prometheusConfig);
  },
  start: ({ tools }) => ({
    component: 'prometheus',
    bin: tools.prometheus,
    args: [
      `--config.file=${statePath('prometheus', 'prometheus.yml')}`,
      `--storage.tsdb.path=${statePath('prometheus', 'data')}`,
      `--web.listen-address=${localhost}:${PORTS.prometheus}`,
      '--log.level=warn',
    ],
  }),
  ready: () => probeHttp({ url: `http://${localhost}:${PORTS.prometheus}/-/ready` }),
  readyTimeoutMs: 30_000,
};

// Source checkout: run the TypeScript with tsx; built package: the compiled file.
const fromSource = import.meta.url.endsWith('.ts');
const grafanaMain = fromSource
  ? path.join(repoRoot, 'devstack', 'grafana', 'main.ts')
  : path.join(repoRoot, 'dist', 'devstack', 'grafana', 'main.js');

const grafana: Component = {
  name: 'grafana-emulator',
  ports: [PORTS.grafana],
  endpoints: { url: `http://${localhost}:${PORTS.grafana}` },
  prepare: () => fs.mkdirSync(statePath('grafana'), { recursive: true }),
  start: ({ grafanaAdminPassword }) => ({
    component: 'grafana-emulator',
    bin: process.execPath,
    args: [
      ...(fromSource ? ['--import', 'tsx'] : []),
      grafanaMain,
      `--host=${localhost}`,
      `--port=${PORTS.grafana}`,
      `--state-file=${statePath('grafana', 'state.json')}`,
      '--admin-user=admin',
    ],
    // The password goes by environment, not argv, so it is in neither ps nor the log.
    env: { GF_SECURITY_ADMIN_PASSWORD: grafanaAdminPassword },
    cwd: repoRoot,
    match: grafanaMain,
  }),
  ready: () => probeHttp({ url: `http://${localhost}:${PORTS.grafana}/api/health` }),
  readyTimeoutMs: 30_000,
};

/** Shared by every cluster: etcd first (each apiserver keeps its data under its own prefix). */
export const ETCD: Component = etcd;
/** Shared by every cluster, started after the first one's control plane. */
export const SHARED_SERVICES: Component[] = [temporal, prometheus, grafana];
