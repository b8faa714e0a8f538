import { z } from 'zod';
import { fnv1a32 } from '../domain/fnv.js';
import { boundedRecord, dnsLabel, immutable, utf8ByteLength } from './primitives.js';

/** Grafana stores data_source.name as varchar(190); longer names fail on MySQL/Postgres backends. */
export const GRAFANA_DATASOURCE_NAME_MAX_BYTES = 190;

export const DatasourceNameSchema = z
  .string()
  .min(1)
  .refine(
    (s) => utf8ByteLength(s) <= GRAFANA_DATASOURCE_NAME_MAX_BYTES,
    `must be at most ${GRAFANA_DATASOURCE_NAME_MAX_BYTES} bytes (UTF-8): Grafana's limit for datasource names`,
  )
  // maxLength (characters) bounds CEL cost; the byte rule is what Grafana needs.
  .meta({
    maxLength: GRAFANA_DATASOURCE_NAME_MAX_BYTES,
    'x-kubernetes-validations': [
      {
        rule: `bytes(self).size() <= ${GRAFANA_DATASOURCE_NAME_MAX_BYTES}`,
        message: `must be at most ${GRAFANA_DATASOURCE_NAME_MAX_BYTES} bytes (UTF-8)`,
      },
    ],
  });

export const GrafanaSchema = z
  .strictObject({
    // Immutable: changing Grafana or org would orphan the datasource in the old one.
    instance: dnsLabel
      .meta(immutable('instance'))
      .describe('Which Grafana, by the name it is configured under on the operator side. Immutable.'),
    name: DatasourceNameSchema.optional().describe(
      'Datasource name in Grafana. Default: <cluster>/<namespace>/<name>.',
    ),
    isDefault: z.boolean().default(false).describe("Make this the org's default datasource."),
    jsonData: boundedRecord(z.string().max(253), z.json(), 64)
      .meta({ 'x-kubernetes-preserve-unknown-fields': true })
      .optional()
      .describe('Datasource jsonData entries, merged over the ones Stackwright sets.'),
    orgId: z.int().min(1).default(1).meta(immutable('orgId')).describe('Grafana organization id. Immutable.'),
  })
  .describe('Registration of this Prometheus as a datasource in the company Grafana.');

export type GrafanaSpec = z.output<typeof GrafanaSchema>;

/**
 * `<cluster>/<namespace>/<name>`: unique across every cluster sharing one
 * Grafana. If that exceeds Grafana's byte limit, the tail is replaced by a hash
 * of the full name so the result stays unique and stable.
 */
export function defaultDatasourceName(clusterName: string, namespace: string, name: string): string {
  const full = `${clusterName}/${namespace}/${name}`;
  if (utf8ByteLength(full) <= GRAFANA_DATASOURCE_NAME_MAX_BYTES) return full;
  const suffix = `~${fnv1a32(full)}`;
  let head = '';
  let bytes = suffix.length;
  for (const ch of full) {
    bytes += utf8ByteLength(ch);
    if (bytes > GRAFANA_DATASOURCE_NAME_MAX_BYTES) break;
    head += ch;
  }
  return head + suffix;
}

/** The datasource name a stack registers under: spec.grafana.name, else the default. */
export function datasourceName(
  stack: { metadata: { namespace: string; name: string }; spec: { grafana: { name?: string | undefined } } },
  clusterName: string,
): string {
  return (
    stack.spec.grafana.name ??
    defaultDatasourceName(clusterName, stack.metadata.namespace, stack.metadata.name)
  );
}
