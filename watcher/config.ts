import os from 'node:os';
import { z } from 'zod';
import { parseEnv } from '../config/parse-env.js';
import { TemporalEnvSchema } from '../config/temporal.js';
import { dnsLabel } from '../crd/primitives.js';
import { parseStackOptionsJson } from '../domain/stack-options.js';

const list = (item: z.ZodType<string, string>) =>
  z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

const ms = (def: number) => z.coerce.number().int().min(1).default(def);

const WatcherEnvSchema = z
  .object({
    /** The cluster this watcher's kubeconfig points at (StackRef.cluster, task queue k8s.<cluster>). */
    STACKWRIGHT_CLUSTER: dnsLabel.default('local'),
    KUBECONFIG: z.string().min(1).optional(),
    /** Comma-separated namespaces to watch; all when empty. */
    STACKWRIGHT_WATCH_NAMESPACES: list(dnsLabel),
    /** Only stacks whose labels match (Kubernetes label selector syntax); all when unset. */
    STACKWRIGHT_STACK_SELECTOR: z.string().min(1).max(1024).optional(),
    /** This replica's identity for the lease: the pod name (downward API). */
    POD_NAME: z.string().min(1).default(os.hostname()),
    POD_NAMESPACE: dnsLabel.optional(),
    STACKWRIGHT_LEADER_ELECTION: z.enum(['true', 'false']).default('true'),
    STACKWRIGHT_LEASE_NAME: dnsLabel.default('stackwright-watcher'),
    /** Defaults to POD_NAMESPACE. */
    STACKWRIGHT_LEASE_NAMESPACE: dnsLabel.optional(),
    STACKWRIGHT_LEASE_DURATION_MS: ms(15_000),
    STACKWRIGHT_LEASE_RENEW_MS: ms(5_000),
    /** /healthz, /readyz, /metrics. */
    STACKWRIGHT_HTTP_ADDRESS: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]*\]|[^\s:]*):\d{1,5}$/, 'must be host:port')
      .default('0.0.0.0:8080'),
    /** StackOptions overrides as JSON, e.g. {"pollIntervalMs":1000} (domain/stack-options.ts). */
    STACKWRIGHT_STACK_OPTIONS: z
      .string()
      .optional()
      .transform((s, ctx) => {
        if (s === undefined || s.trim() === '') return undefined;
        const r = parseStackOptionsJson(s);
        if (r.ok) return r.options;
        ctx.addIssue({ code: 'custom', message: r.error });
        return z.NEVER;
      }),
    /** Stacks reconciled at once (finalizer, hand-over); the rest queue. */
    STACKWRIGHT_WATCHER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  })
  .refine(
    (e) => e.STACKWRIGHT_LEADER_ELECTION === 'false' || (e.STACKWRIGHT_LEASE_NAMESPACE ?? e.POD_NAMESPACE),
    {
      message: 'leader election needs STACKWRIGHT_LEASE_NAMESPACE (or POD_NAMESPACE)',
      path: ['STACKWRIGHT_LEASE_NAMESPACE'],
    },
  )
  .refine((e) => e.STACKWRIGHT_LEASE_RENEW_MS * 2 < e.STACKWRIGHT_LEASE_DURATION_MS, {
    message: 'must be less than half of STACKWRIGHT_LEASE_DURATION_MS',
    path: ['STACKWRIGHT_LEASE_RENEW_MS'],
  });

export const WatcherConfigSchema = z.intersection(TemporalEnvSchema, WatcherEnvSchema);
export type WatcherConfig = z.output<typeof WatcherConfigSchema>;

export const loadWatcherConfig = (env: NodeJS.ProcessEnv): WatcherConfig =>
  parseEnv(WatcherConfigSchema, env, 'watcher');
