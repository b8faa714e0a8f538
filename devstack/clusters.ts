import { kubeconfigPath, statePath } from './paths.js';
import { PORTS } from './ports.js';

/**
 * The local stack's Kubernetes clusters: `dev up --clusters N` runs the first N.
 * Cluster 1 is today's `local` (its files stay where they always were); each
 * extra cluster is another real apiserver with its own CA, its own data (its own
 * --etcd-prefix on the shared etcd), controller-manager, scheduler and kwok node,
 * with everything under .stackwright/clusters/<name>/.
 */
export const CLUSTER_NAMES = ['local', 'east', 'west'] as const;
export type ClusterName = (typeof CLUSTER_NAMES)[number];
export const MAX_CLUSTERS = CLUSTER_NAMES.length;

/**
 * Extra clusters' ports are the local cluster's plus a small step. Other
 * checkouts run at STACKWRIGHT_PORT_OFFSET multiples of 100, so a step must keep
 * every port within +50 of its base and off every base port's last two digits
 * (…00, 33, 35, 43, 47, 57, 59, 79, 80, 89, 90): 24 and 25 do, for all four ports,
 * and east's and west's stay apart.
 */
const PORT_STEP: Record<ClusterName, number> = { local: 0, east: 24, west: 25 };

export interface ClusterPorts {
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

export interface ClusterDef {
  name: ClusterName;
  /** 1-based, as in `--clusters N`. */
  index: number;
  ports: ClusterPorts;
  /** A path under this cluster's state directory. */
  dir: (...parts: string[]) => string;
  /** The admin kubeconfig. */
  kubeconfig: string;
  /** Scripts source it: KUBECONFIG, STACKWRIGHT_CLUSTER, Temporal, kubectl. */
  envFile: string;
  /** Keys in the shared etcd; the local cluster keeps the apiserver's default. */
  etcdPrefix: string;
  /** Prefix of this cluster's component names (pid, log): none for local, `east/` etc. */
  componentPrefix: string;
}

export function clusterDef(name: ClusterName): ClusterDef {
  const step = PORT_STEP[name];
  const local = name === 'local';
  const dir = (...parts: string[]) => (local ? statePath(...parts) : statePath('clusters', name, ...parts));
  return {
    name,
    index: CLUSTER_NAMES.indexOf(name) + 1,
    ports: {
      apiserver: PORTS.apiserver + step,
      controllerManager: PORTS.controllerManager + step,
      scheduler: PORTS.scheduler + step,
      kwok: PORTS.kwok + step,
    },
    dir,
    kubeconfig: local ? kubeconfigPath() : dir('kubeconfig'),
    envFile: statePath('clusters', name, 'env'),
    etcdPrefix: local ? '/registry' : `/registry-${name}`,
    componentPrefix: local ? '' : `${name}/`,
  };
}

/** The first n clusters. */
export function clusterDefs(n: number): ClusterDef[] {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CLUSTERS)
    throw new RangeError(`--clusters must be an integer from 1 to ${MAX_CLUSTERS}, got ${n}`);
  return CLUSTER_NAMES.slice(0, n).map(clusterDef);
}
