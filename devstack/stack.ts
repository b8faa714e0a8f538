import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { clusterComponents } from './cluster-components.js';
import { CLUSTER_NAMES, clusterDef, clusterDefs, type ClusterDef, type ClusterName } from './clusters.js';
import { ETCD, PORTS, run, SHARED_SERVICES, type Component, type Ctx } from './components.js';
import { writeEnvFile } from './env-file.js';
import { bootstrapServiceAccountToken } from './grafana/bootstrap.js';
import { writeKubeconfig } from './kubeconfig.js';
import { portFree, probeHttp } from './net.js';
import { envFilePath, logPath, repoRoot, statePath } from './paths.js';
import { ensurePki } from './pki.js';
import { isOurs, logTail, readPid, startDetached, stopComponent } from './proc.js';
import { ensureTools } from './tools.js';
import {
  installOperatorCrds,
  prometheusOperator,
  PROMETHEUS_OPERATOR_URL,
  type OptionalComponent,
} from './prometheus-operator.js';
import { waitCrdsEstablished } from './crd-established.js';

/** Started by `dev up --with <name>`; stopped by `dev down` like the rest. */
const OPTIONAL: Component[] = [prometheusOperator];

export class StackError extends Error {}

type Say = (line: string) => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface UpResult {
  env: Record<string, string>;
  /** The clusters running, `local` first. */
  clusters: { name: ClusterName; api: string; kubeconfig: string; envFile: string }[];
  started: string[];
  reused: string[];
  /** Running but unhealthy, so stopped and started again (also listed in `started`). */
  restarted: string[];
}

/**
 * Start order for the first `clusters.length` clusters: etcd, the local
 * cluster's control plane, Temporal, Prometheus, the Grafana emulator, then each
 * extra cluster's control plane (so `--clusters 1` is the one-cluster stack
 * exactly). `dev down` stops in reverse.
 */
export function stackComponents(clusters: ClusterDef[]): Component[] {
  const [first, ...extra] = clusters;
  return [
    ETCD,
    ...(first ? clusterComponents(first) : []),
    ...SHARED_SERVICES,
    ...extra.flatMap(clusterComponents),
  ];
}

/** Every component any `dev up --clusters N` can start: what `dev down` stops. */
const allComponents = () => [...stackComponents(CLUSTER_NAMES.map(clusterDef)), ...OPTIONAL];

/**
 * Brings the local stack up with `clusters` Kubernetes clusters (1 to 3),
 * reusing components that are already running and restarting those that run
 * but are unhealthy; clusters beyond that are left as they are (their data is
 * kept). Fails before starting anything if a needed
 * port is held by a foreign process; if a component fails to start, prints its
 * log tail and stops the stack.
 */
export async function up(
  say: Say,
  opts: { clusters?: number; with?: OptionalComponent[] } = {},
): Promise<UpResult> {
  const clusters = clusterDefs(opts.clusters ?? 1);
  fs.mkdirSync(statePath(), { recursive: true });
  // Optional components asked for, or left running by an earlier `dev up --with`.
  const optional = OPTIONAL.filter(
    (c) => opts.with?.includes(c.name as OptionalComponent) || isOurs(readPid(c.name)),
  );
  // Certificates first: a missing openssl fails before minutes of Go builds.
  for (const c of clusters) writeKubeconfigs(c);
  const tools = await ensureTools(optional.map((c) => c.name));
  const ctx: Ctx = { tools, grafanaAdminPassword: secret('grafana', 'admin-password') };

  const { started, reused, restarted } = await startComponents(stackComponents(clusters), ctx, say);
  for (const c of clusters) await installCrd(tools.kubectl, c.kubeconfig);
  if (optional.length > 0) {
    if (tools.prometheusOperatorCrds) await installOperatorCrds(tools.kubectl, tools.prometheusOperatorCrds);
    const more = await startComponents(optional, ctx, say);
    started.push(...more.started);
    reused.push(...more.reused);
    restarted.push(...more.restarted);
  }
  writeClusterCount(clusters.length);

  const grafanaUrl = `http://127.0.0.1:${PORTS.grafana}`;
  const env: Record<string, string> = {
    KUBECONFIG: clusters[0]!.kubeconfig,
    TEMPORAL_ADDRESS: `127.0.0.1:${PORTS.temporal}`,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_UI_URL: `http://127.0.0.1:${PORTS.temporalUi}`,
    GRAFANA_URL: grafanaUrl,
    GRAFANA_TOKEN: await grafanaToken(grafanaUrl, ctx.grafanaAdminPassword),
    // The emulator's admin login, for the contract suite's bootstrap case; the file is 0600.
    GRAFANA_ADMIN_USER: 'admin',
    GRAFANA_ADMIN_PASSWORD: ctx.grafanaAdminPassword,
    PROMETHEUS_URL: `http://127.0.0.1:${PORTS.prometheus}`,
    KUBECTL: tools.kubectl,
    ...(optional.includes(prometheusOperator) && { PROMETHEUS_OPERATOR_URL }),
    HELM: tools.helm,
  };
  writeEnvFile(envFilePath(), env);
  for (const c of clusters) {
    fs.mkdirSync(path.dirname(c.envFile), { recursive: true });
    // What an agent of this cluster needs, and nothing of Grafana's.
    writeEnvFile(c.envFile, {
      KUBECONFIG: c.kubeconfig,
      STACKWRIGHT_CLUSTER: c.name,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS!,
      TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE!,
      KUBECTL: tools.kubectl,
      // `stackwright agent` run by hand: one local replica needs no lease, and picks its own probe port.
      STACKWRIGHT_LEADER_ELECTION: 'false',
      STACKWRIGHT_HTTP_ADDRESS: '127.0.0.1:0',
    });
  }
  return {
    env,
    clusters: clusters.map((c) => ({
      name: c.name,
      api: `https://127.0.0.1:${c.ports.apiserver}`,
      kubeconfig: c.kubeconfig,
      envFile: c.envFile,
    })),
    started,
    reused,
    restarted,
  };
}

/** How many clusters the last `dev up` ran: `dev status` expects those up. */
const clusterCountFile = () => statePath('clusters', 'count');
function writeClusterCount(n: number): void {
  fs.mkdirSync(path.dirname(clusterCountFile()), { recursive: true });
  fs.writeFileSync(clusterCountFile(), `${n}\n`);
}
function readClusterCount(): number {
  const n = Number(
    fs.existsSync(clusterCountFile()) ? fs.readFileSync(clusterCountFile(), 'utf8').trim() : 1,
  );
  return Number.isInteger(n) && n >= 1 && n <= CLUSTER_NAMES.length ? n : 1;
}

/**
 * Starts the components in order, reusing running ones. Checks every needed port
 * first, so a foreign process on a port fails fast with nothing started. A
 * component whose process is alive but does not answer its health check is
 * stopped and started again; a component that fails to start prints its log
 * tail and the whole list is stopped.
 */
export async function startComponents(
  components: Component[],
  ctx: Ctx,
  say: Say,
): Promise<{ started: string[]; reused: string[]; restarted: string[] }> {
  const toStart = components.filter((c) => !isOurs(readPid(c.name)));
  for (const c of toStart) await checkPorts(c);
  const started: string[] = [];
  const reused: string[] = [];
  const restarted: string[] = [];
  for (const c of components) {
    let reuse = !toStart.includes(c);
    try {
      if (reuse && !(await becomesReady(c, ctx, reuseGraceMs(c)))) {
        say(`${c.name} is running but unhealthy; restarting it ...`);
        await stopComponent(c.name);
        await checkPorts(c);
        restarted.push(c.name);
        reuse = false;
      }
      if (!reuse) {
        c.prepare?.(ctx);
        say(`starting ${c.name} ...`);
        startDetached(c.start(ctx));
      }
      await waitReady(c, ctx);
      await c.afterReady?.(ctx);
      (reuse ? reused : started).push(c.name);
      say(`${reuse ? 'reused' : 'ready '}  ${c.name}`);
    } catch (e) {
      if (e instanceof StackError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      say(`\n${c.name} failed: ${msg}\n--- last lines of ${logPath(c.name)} ---\n${logTail(c.name)}\n---`);
      say('stopping the local stack ...');
      await stopComponents(components, () => undefined);
      throw new StackError(`${c.name} failed to start: ${msg}`);
    }
  }
  return { started, reused, restarted };
}

async function checkPorts(c: Component): Promise<void> {
  for (const port of c.ports) {
    if (!(await portFree(port))) {
      throw new StackError(
        `port ${port} on 127.0.0.1 is already in use, but ${c.name} needs it and is not running under ${statePath()}. ` +
          `Stop whatever holds it (ss -ltnp 'sport = :${port}') and run 'stackwright dev up' again.`,
      );
    }
  }
}

/** A running component gets this long to answer before it counts as unhealthy. */
const REUSE_GRACE_MS = 5_000;

/** A process started moments ago (another `dev up`) may still be starting: it gets its whole ready timeout. */
function reuseGraceMs(c: Component): number {
  const startedAt = Date.parse(readPid(c.name)?.startedAt ?? '');
  const startupLeft = Number.isFinite(startedAt) ? startedAt + c.readyTimeoutMs - Date.now() : 0;
  return Math.min(c.readyTimeoutMs, Math.max(REUSE_GRACE_MS, startupLeft));
}

/** Polls the health check until it answers, the process exits, or `ms` pass. */
async function awaitReady(c: Component, ctx: Ctx, ms: number): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await c.ready()) return 'ready';
    if (!isOurs(readPid(c.name))) return 'exited';
    if (Date.now() > deadline) return 'timeout';
    await sleep(250);
  }
}

const becomesReady = async (c: Component, ctx: Ctx, ms: number) => (await awaitReady(c, ctx, ms)) === 'ready';

async function waitReady(c: Component, ctx: Ctx): Promise<void> {
  const r = await awaitReady(c, ctx, c.readyTimeoutMs);
  if (r === 'exited') throw new Error('the process exited');
  if (r === 'timeout') throw new Error(`not ready after ${c.readyTimeoutMs / 1000}s`);
}

/** Stops, in reverse start order, only processes whose pid files this tool wrote: every cluster's. */
export async function down(say: Say): Promise<void> {
  await stopComponents(allComponents(), say);
}

export async function stopComponents(components: Component[], say: Say): Promise<void> {
  for (const c of [...components].reverse()) {
    const r = await stopComponent(c.name);
    if (r === 'stopped') say(`stopped ${c.name}`);
  }
}

export interface ComponentStatus {
  name: string;
  /** The cluster a control-plane component belongs to; absent for shared ones (etcd, Temporal, …). */
  cluster?: ClusterName;
  state: 'up' | 'down' | 'unhealthy';
  pid?: number;
  endpoints: Record<string, string>;
}

/**
 * Every component of the clusters the last `dev up` ran, plus any other
 * cluster that still has a component running.
 */
export async function status(): Promise<ComponentStatus[]> {
  const count = readClusterCount();
  const defs = CLUSTER_NAMES.map(clusterDef);
  const owner = new Map<string, ClusterName>();
  for (const d of defs) for (const c of clusterComponents(d)) owner.set(c.name, d.name);
  const running = new Set(
    allComponents()
      .filter((c) => isOurs(readPid(c.name)))
      .map((c) => owner.get(c.name)),
  );
  const shown = defs.filter((d) => d.index <= count || running.has(d.name));
  const out: ComponentStatus[] = [];
  // Optional components count only once started: `dev status` of a stack without them is all up.
  for (const c of [...stackComponents(shown), ...OPTIONAL.filter((o) => readPid(o.name))]) {
    const cluster = owner.get(c.name);
    const base = { name: c.name, ...(cluster && { cluster }), endpoints: c.endpoints };
    const rec = readPid(c.name);
    if (!isOurs(rec)) {
      out.push({ ...base, state: 'down' });
      continue;
    }
    out.push({ ...base, state: (await c.ready()) ? 'up' : 'unhealthy', pid: rec.pid });
  }
  return out;
}

/** The cluster's CA (made once) and a kubeconfig per identity, all pointing at its apiserver. */
function writeKubeconfigs(c: ClusterDef): void {
  const pki = ensurePki(c.dir('pki'), c.name === 'local' ? undefined : `stackwright-dev-${c.name}-ca`);
  const server = `https://127.0.0.1:${c.ports.apiserver}`;
  fs.mkdirSync(c.dir('kubeconfigs'), { recursive: true });
  writeKubeconfig(c.kubeconfig, {
    server,
    caCert: pki.caCert,
    ...pki.client.admin,
    user: 'stackwright-admin',
  });
  for (const who of ['kube-controller-manager', 'kube-scheduler', 'kwok'] as const) {
    writeKubeconfig(c.dir('kubeconfigs', `${who}.kubeconfig`), {
      server,
      caCert: pki.caCert,
      ...pki.client[who],
      user: who,
    });
  }
}

/** A random secret kept under .stackwright/<dir>/<name> (0600), made once. */
function secret(dir: string, name: string): string {
  const file = statePath(dir, name);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(statePath(dir), { recursive: true });
  const value = crypto.randomBytes(18).toString('base64url');
  fs.writeFileSync(file, value, { mode: 0o600 });
  return value;
}

/** Reuses the saved service-account token while Grafana still accepts it; else bootstraps a new one. */
async function grafanaToken(url: string, adminPassword: string): Promise<string> {
  const file = statePath('grafana', 'token');
  if (fs.existsSync(file)) {
    const token = fs.readFileSync(file, 'utf8').trim();
    const ok = await probeHttp({
      url: `${url}/api/datasources`,
      headers: { Authorization: `Bearer ${token}` },
    });
    if (ok) return token;
  }
  const token = await bootstrapServiceAccountToken({
    url,
    adminUser: 'admin',
    adminPassword,
    name: 'stackwright',
  });
  fs.writeFileSync(file, token, { mode: 0o600 });
  return token;
}

/** Every cluster always has the current MonitoringStack CRD (generated into deploy/crd). */
async function installCrd(kubectl: string, kubeconfig: string): Promise<void> {
  const kc = ['--kubeconfig', kubeconfig];
  await run(kubectl, [
    ...kc,
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=stackwright-dev',
    '-k',
    path.join(repoRoot, 'deploy', 'crd'),
  ]);
  await waitCrdsEstablished(kubectl, kubeconfig, ['crd/monitoringstacks.stackwright.dev']);
}
