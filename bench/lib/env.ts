import * as k8s from '@kubernetes/client-node';
import { z } from 'zod';
import { readEnvFile } from '../../devstack/env-file.js';
import { envFilePath } from '../../devstack/paths.js';

/** What the bench needs from the local stack (`.stackwright/env`, overridden by the process environment). */
const BenchEnvSchema = z.object({
  KUBECONFIG: z.string().min(1),
  KUBECTL: z.string().min(1),
  TEMPORAL_ADDRESS: z.string().min(1),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  GRAFANA_URL: z.url(),
  GRAFANA_TOKEN: z.string().min(1),
  GRAFANA_ADMIN_USER: z.string().min(1).default('admin'),
  GRAFANA_ADMIN_PASSWORD: z.string().min(1),
  PROMETHEUS_URL: z.url(),
  STACKWRIGHT_PORT_OFFSET: z.coerce.number().int().min(0).default(0),
});

export interface BenchEnv {
  vars: z.output<typeof BenchEnvSchema>;
  kc: k8s.KubeConfig;
  admin: { user: string; password: string };
  /** Ports the bench's own processes listen on, shifted like the local stack's. */
  port(base: number): number;
}

export class BenchEnvError extends Error {}

export function loadBenchEnv(): BenchEnv {
  const merged = { ...readEnvFile(envFilePath()), ...process.env };
  const parsed = BenchEnvSchema.safeParse(merged);
  if (!parsed.success) {
    throw new BenchEnvError(
      `the local stack's environment is incomplete (run \`npm run dev -- up\` first):\n${z.prettifyError(parsed.error)}`,
    );
  }
  const vars = parsed.data;
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(vars.KUBECONFIG);
  return {
    vars,
    kc,
    admin: { user: vars.GRAFANA_ADMIN_USER, password: vars.GRAFANA_ADMIN_PASSWORD },
    port: (base) => base + vars.STACKWRIGHT_PORT_OFFSET,
  };
}

/** For the bench's command-line probes: the environment, or its message and exit code 3. */
export function loadBenchEnvOrExit(): BenchEnv {
  try {
    return loadBenchEnv();
  } catch (e) {
    console.error(e instanceof BenchEnvError ? e.message : String(e));
    process.exit(3);
  }
}
