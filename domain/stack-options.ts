import { z } from 'zod';

const positiveInt = z.int().min(1);

/**
 * A stack workflow's tunables, fixed per workflow: the one schema from which
 * the type and every parse of overrides (the watcher's STACKWRIGHT_STACK_OPTIONS,
 * tests) come. Unknown keys are typos. The defaults live with the workflow
 * (workflows/options.ts), which imports only the types: zod stays out of the
 * workflow bundle.
 */
export const StackOptionsSchema = z.strictObject({
  /** Periodic drift check (ms). */
  driftIntervalMs: positiveInt,
  /** How long Prometheus may take to become ready (ms). */
  readinessTimeoutMs: positiveInt,
  /** How long exposure (an LB address, an Ingress address) may take (ms). */
  exposureTimeoutMs: positiveInt,
  /** How long Grafana may keep failing (5xx, network) for one call, and the datasource stay unhealthy (ms). */
  grafanaTimeoutMs: positiveInt,
  /** How long a teardown (or an undo) waits for deleted Prometheus pods and claims to be really gone (ms). */
  deletionTimeoutMs: positiveInt,
  /** Poll interval while waiting (ms). */
  pollIntervalMs: positiveInt,
  /** Continue-as-new after this many loop turns even if the server has not suggested it (bounds history). */
  continueAsNewAfter: positiveInt,
});

export type StackOptions = z.output<typeof StackOptionsSchema>;

/** Overrides: any subset of the options; what is left out takes the default. */
export const StackOptionsOverridesSchema = StackOptionsSchema.partial();
export type StackOptionsOverrides = z.output<typeof StackOptionsOverridesSchema>;

/** STACKWRIGHT_STACK_OPTIONS-style JSON text: an object of overrides, or a prettified error. */
export function parseStackOptionsJson(
  text: string,
): { ok: true; options: StackOptionsOverrides } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: 'must be a JSON object' };
  }
  const r = StackOptionsOverridesSchema.safeParse(raw);
  return r.success ? { ok: true, options: r.data } : { ok: false, error: z.prettifyError(r.error) };
}
