import fs from 'node:fs';
import type { ClusterDef } from './clusters.js';
import { run, type Component, type Ctx } from './components.js';
import { kubeApiserverArgs } from './kube-apiserver-args.js';
import { probeHttp } from './net.js';
import { pkiFiles, type Pki } from './pki.js';
import type { Tools } from './tools.js';

const localhost = '127.0.0.1';
/**
 * Room for a Service per stack at bench scale (P1b applies 500 full stacks; a /24
 * ran out at about 250: "failed to allocate a serviceIP: range is full").
 * 10.0.0.1, the kubernetes Service, stays in it (the apiserver certificate names it).
 */
const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/16';

/** The simulated node every pod is scheduled to; kwok plays its kubelet. One per cluster. */
export const KWOK_NODE = 'kwok-node-0';
const kwokNodeManifest = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: KWOK_NODE,
    annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    labels: { type: 'kwok', 'kubernetes.io/hostname': KWOK_NODE, 'kubernetes.io/os': 'linux' },
  },
  // Room for every pod of the bench's fleets (P1b: 500 stacks at once; a kubelet's usual
  // 110 left 390 Pending). kwok runs no containers, so capacity is only a number.
  status: {
    allocatable: { cpu: '1000', memory: '4Ti', pods: '5000' },
    capacity: { cpu: '1000', memory: '4Ti', pods: '5000' },
  },
});

/** A cluster's PKI directory; `dev up` makes it (its own CA) before starting the cluster. */
export const clusterPki = (c: ClusterDef): Pki => pkiFiles(c.dir('pki'));

/** Reads PEM files for a probe; a PKI not made yet means "not ready", never a throw. */
function pems(files: string[]): Buffer[] | undefined {
  try {
    return files.map((f) => fs.readFileSync(f));
  } catch {
    return undefined;
  }
}

/**
 * One cluster's control plane in start order: kube-apiserver (on the shared
 * etcd, under the cluster's own prefix), kube-controller-manager, kube-scheduler,
 * and kwok with its node.
 */
export function clusterComponents(c: ClusterDef): Component[] {
  const pki = clusterPki(c);
  const name = (n: string) => `${c.componentPrefix}${n}`;
  const kc = (who: string) => c.dir('kubeconfigs', `${who}.kubeconfig`);

  const apiserver: Component = {
    name: name('kube-apiserver'),
    ports: [c.ports.apiserver],
    endpoints: { api: `https://${localhost}:${c.ports.apiserver}`, kubeconfig: c.kubeconfig },
    start: ({ tools }) => ({
      component: name('kube-apiserver'),
      bin: tools.kubeApiserver,
      args: kubeApiserverArgs({
        etcdPrefix: c.etcdPrefix,
        port: c.ports.apiserver,
        certDir: c.dir('kube-apiserver'),
        pki,
        serviceClusterIpRange: SERVICE_CLUSTER_IP_RANGE,
      }),
      // The port tells one cluster's apiserver from another's (they share the binary).
      match: `--secure-port=${c.ports.apiserver}`,
    }),
    ready: async () => {
      const m = pems([pki.caCert, pki.client.admin.cert, pki.client.admin.key]);
      if (!m) return false;
      const [ca, cert, key] = m;
      return probeHttp({ url: `https://${localhost}:${c.ports.apiserver}/readyz`, ca, cert, key });
    },
    readyTimeoutMs: 90_000,
  };

  // Both serve /healthz on a self-signed cert; --authorization-always-allow-paths lets it through.
  const controlPlaneClient = (
    who: 'kube-controller-manager' | 'kube-scheduler',
    port: number,
    bin: (t: Tools) => string,
    extra: string[],
  ): Component => ({
    name: name(who),
    ports: [port],
    endpoints: { healthz: `https://${localhost}:${port}/healthz` },
    start: (ctx: Ctx) => ({
      component: name(who),
      bin: bin(ctx.tools),
      args: [
        `--kubeconfig=${kc(who)}`,
        `--authentication-kubeconfig=${kc(who)}`,
        `--authorization-kubeconfig=${kc(who)}`,
        `--bind-address=${localhost}`,
        `--secure-port=${port}`,
        '--leader-elect=false',
        '--v=1',
        ...extra,
      ],
      match: `--secure-port=${port}`,
    }),
    ready: () => probeHttp({ url: `https://${localhost}:${port}/healthz` }),
    readyTimeoutMs: 60_000,
  });

  const controllerManager = controlPlaneClient(
    'kube-controller-manager',
    c.ports.controllerManager,
    (t) => t.kubeControllerManager,
    [
      `--cert-dir=${c.dir('kube-controller-manager')}`,
      `--service-account-private-key-file=${pki.saKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      '--use-service-account-credentials=true',
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    ],
  );

  const scheduler = controlPlaneClient('kube-scheduler', c.ports.scheduler, (t) => t.kubeScheduler, []);

  const kwok: Component = {
    name: name('kwok'),
    ports: [c.ports.kwok],
    endpoints: { node: KWOK_NODE },
    start: ({ tools }) => ({
      component: name('kwok'),
      bin: tools.kwok,
      args: [
        `--kubeconfig=${kc('kwok')}`,
        `--config=${tools.kwokStages}`,
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        `--server-address=${localhost}:${c.ports.kwok}`,
        '--node-ip=127.0.0.1',
        // Renew each fake node's Lease, as a kubelet does; without it the node
        // lifecycle controller marks the node NotReady after 40s.
        '--node-lease-duration-seconds=40',
        '--cidr=10.244.0.0/16',
      ],
      match: `--server-address=${localhost}:${c.ports.kwok}`,
    }),
    ready: () => probeHttp({ url: `http://${localhost}:${c.ports.kwok}/healthz` }),
    readyTimeoutMs: 30_000,
    afterReady: async ({ tools }) => {
      await run(tools.kubectl, ['--kubeconfig', c.kubeconfig, 'apply', '-f', '-'], kwokNodeManifest);
    },
  };

  return [apiserver, controllerManager, scheduler, kwok];
}
