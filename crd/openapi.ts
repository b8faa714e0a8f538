import { z } from 'zod';
import { MAX_STACK_NAME_LENGTH, STACK_NAME_PATTERN } from './resource.js';
import { MonitoringStackSpecSchema } from './spec.js';
import { MonitoringStackStatusSchema } from './status.js';

// Turns the zod schemas into the structural OpenAPI v3 schema Kubernetes
// requires. z.toJSONSchema (input side, so defaulted fields are optional and
// carry `default`) does most of the work; clean() removes or rewrites what the
// apiserver rejects and throws on anything it cannot express, so a schema change
// that Kubernetes would refuse fails at generation time, not at `kubectl apply`.

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps this generator emits. */
export interface OpenApiSchema {
  description?: string;
  type?: string;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema;
  items?: OpenApiSchema;
  required?: string[];
  anyOf?: OpenApiSchema[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message: string; fieldPath?: string }[];
  [key: string]: unknown;
}

const SAFE_INT = Number.MAX_SAFE_INTEGER;

// Key order in the output, for a readable, stable YAML diff.
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'maxProperties',
  'anyOf',
  'items',
  'properties',
  'additionalProperties',
  'required',
];

function ordered(node: OpenApiSchema): OpenApiSchema {
  const rank = (k: string) => (KEY_ORDER.includes(k) ? KEY_ORDER.indexOf(k) : KEY_ORDER.length);
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return Object.fromEntries(keys.map((k) => [k, node[k]]));
}

function clean(input: OpenApiSchema, path: string): OpenApiSchema {
  const n: OpenApiSchema = { ...input };
  const fail = (why: string): never => {
    throw new Error(`${path}: ${why} (not expressible in a Kubernetes structural schema)`);
  };
  for (const k of ['$schema', 'id', '$id', 'propertyNames']) delete n[k];
  if (n.nullable !== undefined) fail('nullable');
  if (n.const !== undefined) {
    n.enum = [n.const];
    delete n.const;
  }

  // Free-form object (jsonData): Kubernetes keeps the content as is.
  if (n['x-kubernetes-preserve-unknown-fields']) {
    delete n.additionalProperties;
    delete n.properties;
    return ordered({ ...n, type: 'object' });
  }

  // Quantity: the one anyOf shape Kubernetes allows, with the string branch's
  // checks lifted out (they only apply to string values anyway).
  if (n['x-kubernetes-int-or-string']) {
    const str = n.anyOf?.find((b) => b.type === 'string');
    const int = n.anyOf?.find((b) => b.type === 'integer');
    if (n.anyOf?.length !== 2 || !str || !int)
      fail('int-or-string must be a union of an integer and a string');
    const { type: _s, ...strChecks } = str ?? {};
    const minimum = int?.minimum;
    return ordered({
      ...n,
      ...strChecks,
      ...(minimum !== undefined && { minimum }),
      anyOf: [{ type: 'integer' }, { type: 'string' }],
    });
  }

  for (const k of ['anyOf', 'oneOf', 'allOf', 'not', '$ref']) if (n[k] !== undefined) fail(k);
  if (n.type === undefined) fail('missing type');

  if (n.type === 'integer') {
    if (n.minimum === -SAFE_INT) delete n.minimum;
    if (n.maximum === SAFE_INT) delete n.maximum;
  }
  // The apiserver checks `format: date-time` itself; zod's equivalent regex only adds noise.
  if (n.format === 'date-time') delete n.pattern;

  if (n.additionalProperties === (false as unknown)) delete n.additionalProperties;
  if (n.properties) {
    if (n.additionalProperties) fail('properties together with additionalProperties');
    n.properties = Object.fromEntries(
      Object.entries(n.properties).map(([k, v]) => [k, clean(v, `${path}.${k}`)]),
    );
  }
  if (n.additionalProperties) n.additionalProperties = clean(n.additionalProperties, `${path}.*`);
  if (n.items) n.items = clean(n.items, `${path}[]`);
  if (n.required?.length === 0) delete n.required;
  return ordered(n);
}

/** Structural OpenAPI schema of one zod schema; `path` names it in errors. */
export function toStructuralSchema(schema: z.ZodType, path: string): OpenApiSchema {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
    unrepresentable: 'throw',
  }) as OpenApiSchema;
  // z.json() (jsonData) is recursive and lands in `definitions`; clean() drops
  // its only reference when it marks jsonData preserve-unknown-fields.
  delete json.definitions;
  return clean(json, path);
}

/** openAPIV3Schema of the MonitoringStack CRD. */
export function monitoringStackOpenApiSchema(): OpenApiSchema {
  return {
    description:
      'MonitoringStack: a Prometheus in this namespace, registered as a datasource in the company Grafana.',
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: toStructuralSchema(MonitoringStackSpecSchema, 'spec'),
      status: toStructuralSchema(MonitoringStackStatusSchema, 'status'),
    },
    required: ['spec'],
    'x-kubernetes-validations': [
      {
        rule: `self.metadata.name.size() <= ${MAX_STACK_NAME_LENGTH} && self.metadata.name.matches('${STACK_NAME_PATTERN}')`,
        message: `metadata.name must be at most ${MAX_STACK_NAME_LENGTH} characters, start with a letter and contain only a-z, 0-9 and "-" (it names Services and StatefulSets)`,
      },
    ],
  };
}
