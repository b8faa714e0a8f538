// The datasource fields Stackwright owns, as a stack expects them, and a short
// fingerprint of them. Pure: the stack workflow advertises the fingerprint (a
// search attribute), the Grafana sweep computes the same one from a live list
// item, and the upsert activity compares field by field.
import { fnv1a64 } from './fnv.js';

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
export const OWNED_FIELDS: readonly OwnedField[] = [
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

/** JSON with object keys sorted at every level: equal values (in jsonEqual's sense) give equal text. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/**
 * 128 bits of FNV over the owned fields (two independent 64-bit hashes): the
 * same for a live datasource exactly when `drift` would find nothing to repair.
 */
export function datasourceFingerprint(fields: Record<OwnedField, unknown>): string {
  const text = canonicalJson(Object.fromEntries(OWNED_FIELDS.map((f) => [f, fields[f]])));
  return `${fnv1a64(text)}${fnv1a64(text, 0x5eedn)}`;
}

/**
 * What a Ready stack expects of its datasource, as one keyword (the
 * `StackDatasource` search attribute): `<orgId>/<uid>/<fingerprint>`. No url,
 * no jsonData: only a hash of them leaves the workflow.
 */
export interface ExpectedDatasource {
  orgId: number;
  uid: string;
  fingerprint: string;
}

export const expectedDatasourceKey = (e: ExpectedDatasource): string =>
  `${e.orgId}/${e.uid}/${e.fingerprint}`;

/** The key back, or undefined when it is not one (an attribute written by something else). */
export function parseExpectedDatasourceKey(key: string): ExpectedDatasource | undefined {
  const m = /^([1-9][0-9]{0,9})\/([A-Za-z0-9_-]{1,40})\/([0-9a-f]{32})$/.exec(key);
  return m ? { orgId: Number(m[1]), uid: m[2] as string, fingerprint: m[3] as string } : undefined;
}
