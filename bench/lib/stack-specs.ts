import { datasourceName } from '../../crd/datasource-name.js';
import { parseMonitoringStackSpec } from '../../crd/spec.js';
import type { BenchEnv } from './env.js';

export type StackKind = 'full' | 'external';

/** A full stack: its own 1-replica Prometheus StatefulSet, exposed by url (Grafana reaches the local Prometheus). */
export function fullStackSpec(env: BenchEnv): Record<string, unknown> {
  return {
    prometheus: { replicas: 1, retention: '1d' },
    exposure: { url: env.vars.PROMETHEUS_URL },
    grafana: { instance: 'default' },
  };
}

/** A datasource-only stack: the External backend (issue 8) registers `exposure.url` and runs nothing. */
export function externalStackSpec(env: BenchEnv): Record<string, unknown> {
  return {
    prometheus: { backend: 'External' },
    exposure: { url: env.vars.PROMETHEUS_URL },
    grafana: { instance: 'default' },
  };
}

/** Whether this checkout's schema knows the External backend yet. */
export function externalBackendAvailable(env: BenchEnv): boolean {
  return parseMonitoringStackSpec(externalStackSpec(env)).ok;
}

export const stackSpec = (env: BenchEnv, kind: StackKind) =>
  kind === 'external' ? externalStackSpec(env) : fullStackSpec(env);

/** The datasource name Stackwright gives a stack (cluster `local`), to follow convergence by name. */
export const expectedDatasourceName = (namespace: string, name: string): string =>
  datasourceName({ metadata: { namespace, name }, spec: { grafana: {} } }, 'local');

export const stackNames = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `s${String(i).padStart(String(n - 1).length, '0')}`);
