import { describe, expect, it } from '@jest/globals';
import {
  monitoringStackCrd,
  monitoringStackOpenApiSchema,
  parseMonitoringStackSpec,
} from '../../crd/index.js';
import type { OpenApiSchema } from '../../crd/index.js';

const root = monitoringStackOpenApiSchema();
const TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];
const FORBIDDEN = ['$ref', '$schema', '$defs', 'definitions', 'oneOf', 'allOf', 'not', 'nullable', 'const'];

/** Calls visit on every schema node with its JSON path. */
function walk(node: OpenApiSchema, path: string, visit: (n: OpenApiSchema, path: string) => void): void {
  visit(node, path);
  for (const [k, v] of Object.entries(node.properties ?? {})) walk(v, `${path}.${k}`, visit);
  if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}.*`, visit);
  if (node.items) walk(node.items, `${path}[]`, visit);
}

/** Kubernetes' structural schema rules, plus the bounds CEL cost estimation needs. */
function violations(schema: OpenApiSchema): string[] {
  const out: string[] = [];
  if (schema.type !== 'object') out.push('root: type must be object');
  if (schema.additionalProperties !== undefined) out.push('root: additionalProperties not allowed');
  walk(schema, 'root', (n, path) => {
    const bad = (why: string) => out.push(`${path}: ${why}`);
    for (const k of FORBIDDEN) if (k in n) bad(`has ${k}`);
    if (n.additionalProperties === (false as unknown)) bad('additionalProperties: false');
    const intOrString = n['x-kubernetes-int-or-string'] === true;
    const preserve = n['x-kubernetes-preserve-unknown-fields'] === true;
    if (intOrString) {
      if (n.type !== undefined) bad('int-or-string must not have type');
      if (JSON.stringify(n.anyOf) !== JSON.stringify([{ type: 'integer' }, { type: 'string' }])) {
        bad('int-or-string anyOf must be exactly [integer, string]');
      }
    } else {
      if (n.anyOf !== undefined) bad('anyOf outside int-or-string');
      if (typeof n.type !== 'string' || !TYPES.includes(n.type))
        bad(`type missing or invalid: ${String(n.type)}`);
    }
    if (n.properties && n.type !== 'object') bad('properties without type object');
    if (n.properties && n.additionalProperties !== undefined) bad('properties with additionalProperties');
    if (preserve && (n.type !== 'object' || n.maxProperties === undefined)) {
      bad('preserve-unknown-fields needs type object and maxProperties');
    }
    if (n.type === 'array' && (!n.items || n.maxItems === undefined)) bad('array needs items and maxItems');
    if (n.additionalProperties !== undefined && n.maxProperties === undefined) bad('map needs maxProperties');
    // apiVersion and kind are bounded by the apiserver itself.
    const top = path === 'root.apiVersion' || path === 'root.kind';
    if (n.type === 'string' && !top && n.maxLength === undefined && !n.enum && n.format !== 'date-time') {
      bad('string needs maxLength, enum or format date-time');
    }
    for (const v of n['x-kubernetes-validations'] ?? [])
      if (!v.rule || !v.message) bad('CEL rule needs message');
    for (const r of n.required ?? []) if (!n.properties?.[r]) bad(`required ${r} is not a property`);
  });
  return out;
}

/** Kubernetes structural defaulting: fill missing properties that have a default, recursively. */
function applyDefaults(value: unknown, schema: OpenApiSchema): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !schema.properties) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [k, s] of Object.entries(schema.properties)) {
    if (out[k] === undefined && s.default !== undefined) out[k] = structuredClone(s.default);
    if (out[k] !== undefined) out[k] = applyDefaults(out[k], s);
  }
  return out;
}

const at = (path: string): OpenApiSchema => {
  let n: OpenApiSchema | undefined = root;
  for (const k of path.split('.')) n = n?.properties?.[k];
  if (!n) throw new Error(`no schema at ${path}`);
  return n;
};

describe('CRD OpenAPI schema', () => {
  it('is structural and bounded', () => {
    expect(violations(root)).toEqual([]);
  });

  it('the walker catches non-structural schemas', () => {
    const bad: OpenApiSchema = {
      type: 'object',
      properties: {
        a: { properties: { b: { type: 'string' } } },
        c: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        d: { type: 'array', items: { type: 'string', maxLength: 1 } },
      },
    };
    expect(violations(bad)).toEqual([
      'root.a: type missing or invalid: undefined',
      'root.a: properties without type object',
      'root.a.b: string needs maxLength, enum or format date-time',
      'root.c: anyOf outside int-or-string',
      'root.c: type missing or invalid: undefined',
      'root.d: array needs items and maxItems',
    ]);
  });

  // The apiserver fills in only backend-independent defaults (an External stack must be
  // able to leave replicas & co. unset); zod adds the rest per backend. What the
  // apiserver stores must mean the same to zod as what was written.
  it('defaults in the apiserver never change what zod makes of a spec', () => {
    const specs = [
      {
        exposure: { ingress: { host: 'prom.example.com' } },
        grafana: { instance: 'default' },
        prometheus: { storage: { size: '1Gi' } },
      },
      { exposure: { loadBalancer: {} }, grafana: { instance: 'default' } },
      {
        exposure: { url: 'http://thanos.example.com' },
        grafana: { instance: 'default' },
        prometheus: { backend: 'External' },
      },
    ];
    for (const spec of specs) {
      const stored = applyDefaults(spec, at('spec'));
      const parsed = parseMonitoringStackSpec(spec);
      expect(parsed.ok).toBe(true);
      expect(parseMonitoringStackSpec(stored)).toEqual(parsed);
    }
    expect(
      applyDefaults({ exposure: { loadBalancer: {} }, grafana: { instance: 'default' } }, at('spec')),
    ).toMatchObject({
      prometheus: { backend: 'StatefulSet' },
    });
  });

  it('enforces exactly one exposure mode and immutable Grafana target with CEL', () => {
    const rules = (path: string) => (at(path)['x-kubernetes-validations'] ?? []).map((v) => v.rule);
    expect(rules('spec.exposure')).toEqual([
      '(has(self.url) ? 1 : 0) + (has(self.ingress) ? 1 : 0) + (has(self.loadBalancer) ? 1 : 0) == 1',
    ]);
    expect(rules('spec.grafana.instance')).toEqual(['self == oldSelf']);
    expect(rules('spec.grafana.orgId')).toEqual(['self == oldSelf']);
    expect(rules('spec.grafana.name')).toEqual(['bytes(self).size() <= 190']);
    expect(rules('spec.prometheus.backend')).toEqual(['self == oldSelf']);
  });

  it('refuses, with CEL, every other prometheus field and any exposure but url with backend External', () => {
    const [fields] = at('spec.prometheus')['x-kubernetes-validations'] ?? [];
    const managed = Object.keys(at('spec.prometheus').properties ?? {}).filter((k) => k !== 'backend');
    expect(managed.length).toBeGreaterThan(0);
    for (const f of managed) expect(fields?.rule).toContain(`has(self.${f})`);
    expect(at('spec')['x-kubernetes-validations']).toEqual([
      expect.objectContaining({
        fieldPath: '.exposure',
        rule: expect.stringContaining('has(self.exposure.url)'),
      }),
    ]);
  });

  it('keeps jsonData free-form and quantities int-or-string', () => {
    expect(at('spec.grafana.jsonData')).toMatchObject({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(at('spec.prometheus.storage.size')).toMatchObject({ 'x-kubernetes-int-or-string': true });
    expect(at('status.conditions')).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    });
  });
});

describe('CRD manifest', () => {
  const crd = monitoringStackCrd();
  const [version] = crd.spec.versions;

  it('names the resource', () => {
    expect(crd.metadata.name).toBe('monitoringstacks.stackwright.dev');
    expect(crd.spec).toMatchObject({
      group: 'stackwright.dev',
      scope: 'Namespaced',
      names: { kind: 'MonitoringStack', plural: 'monitoringstacks', shortNames: ['mstack'] },
    });
    expect(version).toMatchObject({
      name: 'v1alpha1',
      served: true,
      storage: true,
      subresources: { status: {} },
    });
  });

  it('prints phase, Prometheus URL, datasource uid and age', () => {
    expect(version?.additionalPrinterColumns.map((c) => `${c.name}=${c.jsonPath}`)).toEqual([
      'Phase=.status.phase',
      'Prometheus=.status.prometheus.externalUrl',
      'Datasource=.status.datasource.uid',
      'Age=.metadata.creationTimestamp',
    ]);
  });
});
