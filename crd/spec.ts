import { z } from 'zod';
import { ExposureSchema } from './exposure.js';
import { GrafanaSchema } from './grafana.js';
import { PrometheusSchema } from './prometheus.js';

// Unknown spec fields are rejected (strictObject), not stripped. The apiserver
// already prunes fields the installed CRD does not know, so only input that
// bypassed it (CLI, examples, tests) can carry them, and there an unknown key
// is nearly always a typo (`replica: 3`) that stripping would silently ignore.
// Upgrade the operator before the CRD so a newer field never reaches an older parser.

const EXTERNAL_EXPOSURE_MESSAGE =
  'with prometheus.backend External only exposure.url is allowed: Stackwright creates nothing in the cluster, so the existing Prometheus (or Thanos Query) is registered at its url';

export const DELETION_POLICIES = ['Delete', 'Orphan'] as const;

export const MonitoringStackSpecSchema = z
  .strictObject({
    // prefault: an omitted prometheus block is parsed as {} so its own defaults apply.
    prometheus: PrometheusSchema.prefault({}),
    exposure: ExposureSchema,
    grafana: GrafanaSchema,
    deletionPolicy: z
      .enum(DELETION_POLICIES)
      .default('Delete')
      .describe('Delete: remove the datasource and Prometheus on deletion. Orphan: leave both in place.'),
    suspend: z
      .boolean()
      .default(false)
      .describe('Pause reconciliation; existing resources are left as they are.'),
  })
  .check((ctx) => {
    const { prometheus, exposure } = ctx.value;
    if (prometheus.backend === 'External' && exposure.url === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: exposure,
        path: ['exposure'],
        message: EXTERNAL_EXPOSURE_MESSAGE,
      });
    }
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: "!has(self.prometheus) || !has(self.prometheus.backend) || self.prometheus.backend != 'External' || has(self.exposure.url)",
        message: EXTERNAL_EXPOSURE_MESSAGE,
        fieldPath: '.exposure',
      },
    ],
  })
  .describe('Desired Prometheus, how Grafana reaches it, and its Grafana datasource.');

/** Spec as written by users (defaults optional). */
export type MonitoringStackSpecInput = z.input<typeof MonitoringStackSpecSchema>;
/** Spec after parsing: defaults applied, quantities as strings. */
export type MonitoringStackSpec = z.output<typeof MonitoringStackSpecSchema>;

export type SpecParseResult = { ok: true; spec: MonitoringStackSpec } | { ok: false; error: string };

// Wrapped under `spec` so error paths read as in the manifest (spec.prometheus.replicas).
const Wrapped = z.strictObject({ spec: MonitoringStackSpecSchema });

export function parseMonitoringStackSpec(input: unknown): SpecParseResult {
  const r = Wrapped.safeParse({ spec: input });
  return r.success ? { ok: true, spec: r.data.spec } : { ok: false, error: z.prettifyError(r.error) };
}
