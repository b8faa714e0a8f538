import type { DatasourceDto } from './schemas.js';

/**
 * The fields of a datasource Stackwright owns, and how a live one drifted from
 * them. Everything else (user, database, secrets, …) is left as found.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface DesiredDatasource {
  name: string;
  type: 'prometheus';
  access: 'proxy';
  url: string;
  isDefault: boolean;
  basicAuth: false;
  jsonData: Record<string, JsonValue>;
}

export type OwnedField = keyof DesiredDatasource;
const OWNED_FIELDS: readonly OwnedField[] = [
  'name',
  'type',
  'access',
  'url',
  'isDefault',
  'basicAuth',
  'jsonData',
];

/** POST lets Grafana read the health-check and query parameters from a body, so long PromQL fits. */
const BASE_JSON_DATA: Record<string, JsonValue> = { httpMethod: 'POST' };

export function desiredDatasource(input: {
  name: string;
  url: string;
  isDefault: boolean;
  jsonData?: Record<string, JsonValue> | undefined;
}): DesiredDatasource {
  return {
    name: input.name,
    type: 'prometheus',
    access: 'proxy',
    url: input.url,
    isDefault: input.isDefault,
    basicAuth: false,
    jsonData: { ...BASE_JSON_DATA, ...input.jsonData },
  };
}

/** Names of the owned fields whose live value differs from the desired one. */
export function drift(current: DatasourceDto, desired: DesiredDatasource): OwnedField[] {
  return OWNED_FIELDS.filter((f) => !jsonEqual(current[f] as unknown, desired[f]));
}

/** Structural equality of JSON values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]))
    );
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.hasOwn(b, k) &&
        jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}
