import { execFileSync } from 'node:child_process';
import { requireEnv } from './env.js';

/**
 * Every object in a namespace, of every namespaced kind the apiserver lists
 * (from discovery, so CRDs count too), as `Kind/name`. What a test compares to
 * prove that a stack created, or deleted, nothing in its namespace.
 */
export function namespaceObjects(namespace: string, kubeconfig = requireEnv('KUBECONFIG')): string[] {
  const kubectl = (...args: string[]) =>
    execFileSync(requireEnv('KUBECTL'), ['--kubeconfig', kubeconfig, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const kinds = kubectl('api-resources', '--namespaced', '--verbs=list', '-o', 'name')
    .split('\n')
    .filter((k) => k !== '' && k !== 'events' && k !== 'events.events.k8s.io');
  const list = JSON.parse(kubectl('get', kinds.join(','), '-n', namespace, '-o', 'json')) as {
    items: { kind: string; metadata: { name: string } }[];
  };
  return list.items.map((o) => `${o.kind}/${o.metadata.name}`).sort();
}
