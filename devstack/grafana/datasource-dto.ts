import { typeLogoUrl, typeName } from './plugins.js';
import type { DatasourceRecord } from './state.js';

/** Keys whose stored secret is non-empty; secrets themselves are never returned. */
export const secureJsonFields = (ds: DatasourceRecord): Record<string, boolean> =>
  Object.fromEntries(
    Object.entries(ds.secureJsonData)
      .filter(([, v]) => v !== '')
      .map(([k]) => [k, true]),
  );

/** Full DTO (GET single, and the `datasource` field of POST/PUT), in Grafana's field order. */
export function fullDto(
  ds: DatasourceRecord,
  accessControl?: Record<string, boolean>,
): Record<string, unknown> {
  return {
    id: ds.id,
    uid: ds.uid,
    orgId: ds.orgId,
    name: ds.name,
    type: ds.type,
    typeLogoUrl: typeLogoUrl(ds.type),
    access: ds.access,
    url: ds.url,
    user: ds.user,
    database: ds.database,
    basicAuth: ds.basicAuth,
    basicAuthUser: ds.basicAuthUser,
    withCredentials: ds.withCredentials,
    isDefault: ds.isDefault,
    jsonData: ds.jsonData,
    secureJsonFields: secureJsonFields(ds),
    version: ds.version,
    readOnly: ds.readOnly,
    ...(accessControl ? { accessControl } : {}),
  };
}

/** `GET /api/datasources` item: no basicAuthUser, withCredentials, secureJsonFields or version. */
export function listItem(ds: DatasourceRecord): Record<string, unknown> {
  return {
    id: ds.id,
    uid: ds.uid,
    orgId: ds.orgId,
    name: ds.name,
    type: ds.type,
    typeName: typeName(ds.type),
    typeLogoUrl: typeLogoUrl(ds.type),
    access: ds.access,
    url: ds.url,
    user: ds.user,
    database: ds.database,
    basicAuth: ds.basicAuth,
    isDefault: ds.isDefault,
    jsonData: ds.jsonData,
    readOnly: ds.readOnly,
  };
}
