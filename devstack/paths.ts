import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in devstack/ or dist/devstack/). */
export const repoRoot = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = path.resolve(here, '..');
  return path.basename(up) === 'dist' ? path.resolve(up, '..') : up;
})();

/**
 * All local-stack state: pids, logs, data, certificates, kubeconfig, env. Git-ignored.
 * Read on each call so STACKWRIGHT_STATE_DIR can point a second, separate stack elsewhere.
 */
export const statePath = (...parts: string[]): string =>
  path.join(path.resolve(process.env.STACKWRIGHT_STATE_DIR ?? path.join(repoRoot, '.stackwright')), ...parts);
export const logPath = (component: string): string => statePath('logs', `${component}.log`);
export const pidPath = (component: string): string => statePath('pids', `${component}.pid`);
export const envFilePath = (): string => statePath('env');
export const kubeconfigPath = (): string => statePath('kubeconfig');
