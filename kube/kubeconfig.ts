import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../config/parse-env.js';

/**
 * The Kubernetes credentials of a process: the KUBECONFIG file, or in-cluster
 * config / ~/.kube/config without it. An unreadable file or one without a
 * cluster is a ConfigError naming KUBECONFIG.
 */
export function loadKubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (file) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (e) {
    throw new ConfigError(`KUBECONFIG: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!kc.getCurrentCluster())
    throw new ConfigError('no Kubernetes cluster configured: set KUBECONFIG or run in a cluster');
  return kc;
}

/** loadKubeConfig on first use, then the same KubeConfig: a CLI command that needs only Temporal never reads it. */
export function lazyKubeConfig(file: string | undefined): () => KubeConfig {
  let kc: KubeConfig | undefined;
  return () => (kc ??= loadKubeConfig(file));
}
