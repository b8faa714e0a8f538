import { z } from 'zod';
import { hostPort, parseEnv } from '../config/parse-env.js';
import { TemporalEnvSchema } from '../config/temporal.js';
import { dnsLabel } from '../crd/primitives.js';

export const ROLES = ['workflows', 'kubernetes', 'grafana'] as const;
export type Role = (typeof ROLES)[number];

export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;

const WorkerEnvSchema = z.object({
  /** Which task queues this process serves: all by default; one role per Deployment in production. */
  STACKWRIGHT_ROLES: z
    .string()
    .default(ROLES.join(','))
    .transform((s) =>
      s
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(ROLES)).min(1, 'name at least one role')),
  /** The cluster this process's Kubernetes role acts on (task queue k8s.<cluster>). */
  STACKWRIGHT_CLUSTER: dnsLabel.default('local'),
  /** A kubeconfig file; without it, in-cluster config or ~/.kube/config. */
  KUBECONFIG: z.string().min(1).optional(),
  /** SDK runtime metrics for Prometheus, host:port; unset = off. */
  STACKWRIGHT_METRICS_ADDRESS: hostPort.optional(),
  /** A prebuilt workflow bundle (npm run build:workflows); unset = bundle from source at start. */
  STACKWRIGHT_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /** How long in-flight activities may run on after SIGTERM before they are cancelled; keep it under the pod's grace period. */
  STACKWRIGHT_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(20),
  /** Grafana role: seconds between two drift sweeps of each Grafana instance (one datasource list per org). */
  STACKWRIGHT_GRAFANA_SWEEP_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /**
   * Workflows role: stack workflows kept in memory between their tasks. An evicted one is
   * replayed from its (short) history on its next task. Temporal's default scales with the
   * heap limit (thousands on a large node) and every cached stack holds its state.
   */
  STACKWRIGHT_MAX_CACHED_WORKFLOWS: z.coerce
    .number()
    .int()
    .min(2)
    .max(100_000)
    .default(DEFAULT_MAX_CACHED_WORKFLOWS),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

export const WorkerConfigSchema = z.intersection(TemporalEnvSchema, WorkerEnvSchema);
export type WorkerConfig = z.output<typeof WorkerConfigSchema>;

export const loadWorkerConfig = (env: NodeJS.ProcessEnv): WorkerConfig =>
  parseEnv(WorkerConfigSchema, env, 'worker');
