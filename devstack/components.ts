import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { probeHttp } from './net.js';
import { kubeconfigPath, repoRoot, statePath } from './paths.js';
import type { Pki } from './pki.js';
import type { StartSpec } from './proc.js';
import type { Tools } from './tools.js';

/**
 * STACKWRIGHT_PORT_OFFSET shifts every port, so two checkouts (each with its own
 * .stackwright/) can run their local stacks side by side on one machine.
 */
export const PORT_OFFSET = (() => {
  const raw = process.env.STACKWRIGHT_PORT_OFFSET ?? '0';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 20_000) {
    throw new Error(`STACKWRIGHT_PORT_OFFSET must be an integer from 0 to 20000, got '${raw}'`);
  }
  return n;
})();

const BASE_PORTS = {
  etcdClient: 2379,
  etcdPeer: 2380,
  apiserver: 6443,
  controllerManager: 10257,
  scheduler: 10259,
  kwok: 10247,
  temporal: 7233,
  temporalUi: 8233,
  temporalHttp: 7243,
  temporalMetrics: 7235,
  prometheus: 9090,
  grafana: 3000,
  prometheusOperator: 8089,
} as const;

/** Every port the local stack binds, all on 127.0.0.1. */
export const PORTS = Object.fromEntries(Object.entries(BASE_PORTS).map(([k, v]) => [k, v + PORT_OFFSET])) as {
  readonly [K in keyof typeof BASE_PORTS]: number;
};

export const TEMPORAL_SEARCH_ATTRIBUTES = {
  StackCluster: 'Keyword',
  StackNamespace: 'Keyword',
  StackName: 'Keyword',
  StackPhase: 'Keyword',
  StackStep: 'Keyword',
} as const;

export interface Ctx {
  tools: Tools;
  pki: Pki;
  grafanaAdminPassword: string;
}

export interface Component {
  name: string;
  ports: number[];
  /** What `dev up` prints for this component. */
  endpoints: Record<string, string>;
  prepare?(ctx: Ctx): void;
  start(ctx: Ctx): StartSpec;
  /** Readiness needs only the PKI, so `dev status` can probe without building tools. */
  ready(pki: Pki): Promise<boolean>;
  readyTimeoutMs: number;
  afterReady?(ctx: Ctx): Promise<void>;
}

const localhost = '127.0.0.1';
const kc = (who: string) => statePath('kubeconfigs', `${who}.kubeconfig`);
const pem = (f: string) => fs.readFileSync(f);

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

const apiserver: Component = {
  name: 'kube-apiserver',
  ports: [PORTS.apiserver],
  endpoints: { api: `https://${localhost}:${PORTS.apiserver}`, kubeconfig: kubeconfigPath() },
  start: ({ tools, pki }) => ({
    component: 'kube-apiserver',
    bin: tools.kubeApiserver,
    args: [
      `--etcd-servers=http://${localhost}:${PORTS.etcdClient}`,
      `--bind-address=${localhost}`,
      `--advertise-address=${localhost}`,
      `--secure-port=${PORTS.apiserver}`,
      `--cert-dir=${statePath('kube-apiserver')}`,
      `--tls-cert-file=${pki.apiserverCert}`,
      `--tls-private-key-file=${pki.apiserverKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      '--profiling=false',
      '--v=1',
    ],
  }),
  ready: (pki) =>
    probeHttp({
      url: `https://${localhost}:${PORTS.apiserver}/readyz`,
      ca: pem(pki.caCert),
      cert: pem(pki.client.admin.cert),
      key: pem(pki.client.admin.key),
    }),
  readyTimeoutMs: 90_000,
};

// Both serve /healthz on a self-signed cert; --authorization-always-allow-paths lets it through.
const controlPlaneClient = (
  name: 'kube-controller-manager' | 'kube-scheduler',
  port: number,
  bin: (t: Tools) => string,
  extra: (ctx: Ctx) => string[],
): Component => ({
  name,
  ports: [port],
  endpoints: { healthz: `https://${localhost}:${port}/healthz` },
  start: (ctx) => ({
    component: name,
    bin: bin(ctx.tools),
    args: [
      `--kubeconfig=${kc(name)}`,
      `--authentication-kubeconfig=${kc(name)}`,
      `--authorization-kubeconfig=${kc(name)}`,
      `--bind-address=${localhost}`,
      `--secure-port=${port}`,
      '--leader-elect=false',
      '--v=1',
      ...extra(ctx),
    ],
  }),
  ready: () => probeHttp({ url: `https://${localhost}:${port}/healthz` }),
  readyTimeoutMs: 60_000,
});

const controllerManager = controlPlaneClient(
  'kube-controller-manager',
  PORTS.controllerManager,
  (t) => t.kubeControllerManager,
  ({ pki }) => [
    `--cert-dir=${statePath('kube-controller-manager')}`,
    `--service-account-private-key-file=${pki.saKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    '--use-service-account-credentials=true',
    '--service-cluster-ip-range=10.0.0.0/24',
  ],
);

const scheduler = controlPlaneClient(
  'kube-scheduler',
  PORTS.scheduler,
  (t) => t.kubeScheduler,
  () => [],
);

/** The simulated node every pod is scheduled to; kwok plays its kubelet. */
export const KWOK_NODE = 'kwok-node-0';
const kwokNodeManifest = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: KWOK_NODE,
    annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    labels: { type: 'kwok', 'kubernetes.io/hostname': KWOK_NODE, 'kubernetes.io/os': 'linux' },
  },
  status: {
    allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
    capacity: { cpu: '32', memory: '256Gi', pods: '110' },
  },
});

const kwok: Component = {
  name: 'kwok',
  ports: [PORTS.kwok],
  endpoints: { node: KWOK_NODE },
  start: ({ tools }) => ({
    component: 'kwok',
    bin: tools.kwok,
    args: [
      `--kubeconfig=${kc('kwok')}`,
      `--config=${tools.kwokStages}`,
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      `--server-address=${localhost}:${PORTS.kwok}`,
      '--node-ip=127.0.0.1',
      // Renew each fake node's Lease, as a kubelet does; without it the node
      // lifecycle controller marks the node NotReady after 40s.
      '--node-lease-duration-seconds=40',
      '--cidr=10.244.0.0/16',
    ],
  }),
  ready: () => probeHttp({ url: `http://${localhost}:${PORTS.kwok}/healthz` }),
  readyTimeoutMs: 30_000,
  afterReady: async ({ tools }) => {
    await run(tools.kubectl, ['--kubeconfig', kubeconfigPath(), 'apply', '-f', '-'], kwokNodeManifest);
  },
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
      `--db-filename=${statePath('temporal', 'temporal.db')}`,
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

/** Start order; `dev down` stops in reverse. */
export const COMPONENTS: Component[] = [
  etcd,
  apiserver,
  controllerManager,
  scheduler,
  kwok,
  temporal,
  prometheus,
  grafana,
];
