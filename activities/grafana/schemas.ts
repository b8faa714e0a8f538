import { z } from 'zod';

/**
 * The parts of Grafana's responses the activities rely on (spec §2, §3).
 * Objects strip unknown fields, so newer Grafana versions adding fields do not
 * break us; fields Grafana omits in some versions get defaults.
 */
const jsonObject = z
  .record(z.string(), z.unknown())
  .nullish()
  .transform((v) => v ?? {});

/** Full DTO: GET by uid, and the `datasource` field of POST/PUT answers. */
export const datasourceDto = z.object({
  id: z.number().int(),
  uid: z.string(),
  name: z.string(),
  type: z.string(),
  access: z.string().default(''),
  url: z.string().default(''),
  user: z.string().default(''),
  database: z.string().default(''),
  basicAuth: z.boolean().default(false),
  basicAuthUser: z.string().default(''),
  withCredentials: z.boolean().default(false),
  isDefault: z.boolean().default(false),
  jsonData: jsonObject,
  version: z.number().int(),
  readOnly: z.boolean().default(false),
});
export type DatasourceDto = z.output<typeof datasourceDto>;

/** `GET /api/datasources` item; has no version. */
export const datasourceListItem = z.object({ id: z.number().int(), uid: z.string(), name: z.string() });
export const datasourceList = z.array(datasourceListItem);

/** POST/PUT answer; `datasource` is absent in some older versions, then we re-read. */
export const datasourceWriteResult = z.object({
  id: z.number().int().optional(),
  datasource: datasourceDto.optional(),
});

export const HEALTH_STATUSES = ['OK', 'ERROR', 'UNKNOWN'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/**
 * Health check result (200 OK, 400 ERROR/UNKNOWN). `status` is required: it is
 * what tells a failed check from any other 400. A status we do not know counts as UNKNOWN.
 */
export const healthResult = z.object({
  status: z
    .string()
    .transform((s): HealthStatus =>
      (HEALTH_STATUSES as readonly string[]).includes(s) ? (s as HealthStatus) : 'UNKNOWN',
    ),
  message: z.string().default(''),
});
