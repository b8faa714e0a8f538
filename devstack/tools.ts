import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths.js';

export interface Tools {
  temporal: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
  kwokStages: string;
  prometheus: string;
  /** Only when built on request (`dev up --with prometheus-operator`). */
  prometheusOperator?: string;
  prometheusOperatorCrds?: string;
  helm: string;
}

/** A missing prerequisite; the message says how to install it. The CLI exits 3. */
export class ToolchainError extends Error {
  readonly exitCode = 3;
}

/**
 * Builds (or finds cached) Go binaries via scripts/build-tools.sh, whose progress
 * goes to stderr. Missing Go is a ToolchainError that says how to fix it.
 */
export async function ensureTools(optional: readonly string[] = []): Promise<Tools> {
  const dirs = await runBuild(
    optional.length ? ['temporal', 'etcd', 'k8s', 'kwok', 'prometheus', 'helm', ...optional] : [],
  );
  const d = (c: string, bin: string) => {
    const dir = dirs.get(c);
    if (!dir) throw new ToolchainError(`build-tools did not report a directory for ${c}`);
    return path.join(dir, bin);
  };
  return {
    temporal: d('temporal', 'temporal'),
    etcd: d('etcd', 'etcd'),
    kubeApiserver: d('k8s', 'kube-apiserver'),
    kubeControllerManager: d('k8s', 'kube-controller-manager'),
    kubeScheduler: d('k8s', 'kube-scheduler'),
    kubectl: d('k8s', 'kubectl'),
    kwok: d('kwok', 'kwok'),
    kwokStages: d('kwok', 'stages.yaml'),
    prometheus: d('prometheus', 'prometheus'),
    helm: d('helm', 'helm'),
    ...(dirs.has('prometheus-operator') && {
      prometheusOperator: d('prometheus-operator', 'prometheus-operator'),
      prometheusOperatorCrds: d('prometheus-operator', 'crds.yaml'),
    }),
  };
}

/** build-tools.sh for `components` (its default set when empty). */
function runBuild(components: string[]): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(repoRoot, 'scripts', 'build-tools.sh'), ...components], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 3)
        return reject(
          new ToolchainError('Go is missing: install Go >= 1.25 and put it on PATH (see README).'),
        );
      if (code !== 0)
        return reject(
          new ToolchainError(`scripts/build-tools.sh failed (exit ${code}); see its output above`),
        );
      const dirs = new Map<string, string>();
      for (const line of out.split('\n')) {
        const m = /^([\w-]+)=(.+)$/.exec(line.trim());
        if (m?.[1] && m[2]) dirs.set(m[1], m[2]);
      }
      resolve(dirs);
    });
  });
}
