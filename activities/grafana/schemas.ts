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

/**
 * The owned fields of a `GET /api/datasources` item, for the drift sweep (list
 * items carry them all, unlike `version`). Parsed item by item: one foreign
 * datasource with an odd shape must not blind the sweep to the others.
 */
export const datasourceSweepItem = z.object({
  uid: z.string(),
  name: z.string(),
  type: z.string(),
  access: z.string().default(''),
  url: z.string().default(''),
  basicAuth: z.boolean().default(false),
  isDefault: z.boolean().default(false),
  jsonData: jsonObject,
  readOnly: z.boolean().default(false),
});
export type DatasourceSweepItem = z.output<typeof datasourceSweepItem>;
/** The list itself: an array of objects; each is then read with `datasourceSweepItem`. */
export const datasourceRawList = z.array(z.record(z.string(), z.unknown()));
