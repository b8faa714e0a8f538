import { z } from 'zod';
import { GRAFANA_DATASOURCE_NAME_MAX_BYTES, utf8ByteLength } from './datasource-name.js';
import { boundedRecord, dnsLabel, immutable } from './primitives.js';

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
