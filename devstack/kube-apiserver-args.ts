import { PORTS } from './ports.js';
import type { Pki } from './pki.js';

/**
 * The flags of a local kube-apiserver: on the shared etcd under a prefix of its
 * own (which makes it a cluster of its own), TLS and client certificates from
 * `pki`, RBAC. The local stack's clusters and the tests' bare apiserver differ
 * only in these options.
 */
export function kubeApiserverArgs(o: {
  etcdPrefix: string;
  port: number;
  certDir: string;
  pki: Pki;
  serviceClusterIpRange: string;
}): string[] {
  const localhost = '127.0.0.1';
  return [
    `--etcd-servers=http://${localhost}:${PORTS.etcdClient}`,
    `--etcd-prefix=${o.etcdPrefix}`,
    `--bind-address=${localhost}`,
    `--advertise-address=${localhost}`,
    `--secure-port=${o.port}`,
    `--cert-dir=${o.certDir}`,
    `--tls-cert-file=${o.pki.apiserverCert}`,
    `--tls-private-key-file=${o.pki.apiserverKey}`,
    `--client-ca-file=${o.pki.caCert}`,
    `--service-account-key-file=${o.pki.saPub}`,
    `--service-account-signing-key-file=${o.pki.saKey}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-cluster-ip-range=${o.serviceClusterIpRange}`,
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    '--profiling=false',
    '--v=1',
  ];
}
