import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_PROMETHEUS_VERSION,
  MonitoringStackSchema,
  exposureMode,
  parseMonitoringStackSpec,
  prometheusImage,
} from '../../crd/index.js';
import type { ManagedPrometheusSpec, MonitoringStackSpec } from '../../crd/index.js';

const minimal = { exposure: { url: 'http://127.0.0.1:9090' }, grafana: { instance: 'default' } };

/** The Prometheus part of a spec whose backend runs one. */
function managed(spec: MonitoringStackSpec): ManagedPrometheusSpec {
  if (spec.prometheus.backend === 'External') throw new Error('expected a backend that runs Prometheus');
  return spec.prometheus;
}

function parseOk(input: unknown): MonitoringStackSpec {
  const r = parseMonitoringStackSpec(input);
  if (!r.ok) throw new Error(`expected a valid spec, got:\n${r.error}`);
  return r.spec;
}

function parseError(input: unknown): string {
  const r = parseMonitoringStackSpec(input);
  if (r.ok) throw new Error(`expected an invalid spec, got ${JSON.stringify(r.spec)}`);
  return r.error;
}

describe('parseMonitoringStackSpec', () => {
  it('applies every default to a minimal spec', () => {
    expect(parseOk(minimal)).toEqual({
      prometheus: {
        backend: 'StatefulSet',
        version: DEFAULT_PROMETHEUS_VERSION,
        replicas: 1,
        retention: '15d',
      },
      exposure: { url: 'http://127.0.0.1:9090' },
      grafana: { instance: 'default', isDefault: false, orgId: 1 },
      deletionPolicy: 'Delete',
      suspend: false,
    });
  });

  it('applies nested defaults of ingress and loadBalancer', () => {
    expect(parseOk({ ...minimal, exposure: { ingress: { host: 'prom.example.com' } } }).exposure).toEqual({
      ingress: { host: 'prom.example.com', path: '/' },
    });
    expect(parseOk({ ...minimal, exposure: { loadBalancer: {} } }).exposure).toEqual({
      loadBalancer: { port: 9090 },
    });
  });

  it('parses a full spec and normalises quantities to strings', () => {
    const spec = parseOk({
      prometheus: {
        image: 'registry.example.com/mirror/prometheus:v3.5.0',
        replicas: 3,
        retention: '1w3d12h',
        resources: { requests: { cpu: 1, memory: '512Mi' }, limits: { cpu: '1500m', memory: '2Gi' } },
        storage: { size: '50Gi', storageClassName: 'fast-ssd' },
      },
      exposure: {
        ingress: {
          host: 'prom.team-a.example.com',
          className: 'nginx',
          tlsSecretName: 'prom-tls',
          path: '/p',
        },
      },
      grafana: {
        instance: 'corp-eu',
        name: 'team-a prod',
        isDefault: true,
        orgId: 4,
        jsonData: { a: { b: [1] } },
      },
      deletionPolicy: 'Orphan',
      suspend: true,
    });
    const p = managed(spec);
    expect(p.resources?.requests?.cpu).toBe('1');
    expect(p.storage).toEqual({ size: '50Gi', storageClassName: 'fast-ssd' });
    expect(prometheusImage(p)).toBe('registry.example.com/mirror/prometheus:v3.5.0');
    expect(exposureMode(spec.exposure)).toEqual({
      mode: 'ingress',
      ingress: { host: 'prom.team-a.example.com', className: 'nginx', tlsSecretName: 'prom-tls', path: '/p' },
    });
    expect(spec.grafana.jsonData).toEqual({ a: { b: [1] } });
  });

  it('builds the image from version when no image is given', () => {
    const spec = parseOk({ ...minimal, prometheus: { version: 'v2.53.0' } });
    expect(prometheusImage(managed(spec))).toBe('quay.io/prometheus/prometheus:v2.53.0');
  });

  it('takes a PrometheusOperator backend with its monitor selectors and the usual defaults', () => {
    const spec = parseOk({
      ...minimal,
      prometheus: { backend: 'PrometheusOperator', serviceMonitorSelector: { matchLabels: { team: 'a' } } },
    });
    expect(spec.prometheus).toEqual({
      backend: 'PrometheusOperator',
      version: DEFAULT_PROMETHEUS_VERSION,
      replicas: 1,
      retention: '15d',
      serviceMonitorSelector: { matchLabels: { team: 'a' } },
    });
  });

  it('takes an External backend with exposure.url and nothing else', () => {
    const spec = parseOk({ ...minimal, prometheus: { backend: 'External' } });
    expect(spec.prometheus).toEqual({ backend: 'External' });
    expect(spec.exposure).toEqual({ url: 'http://127.0.0.1:9090' });
  });

  // Each bad spec must produce an error naming the offending field.
  it.each<[string, unknown, string, RegExp]>([
    ['negative replicas', { ...minimal, prometheus: { replicas: -1 } }, 'spec.prometheus.replicas', />=1/],
    ['zero replicas', { ...minimal, prometheus: { replicas: 0 } }, 'spec.prometheus.replicas', />=1/],
    ['too many replicas', { ...minimal, prometheus: { replicas: 11 } }, 'spec.prometheus.replicas', /<=10/],
    ['fractional replicas', { ...minimal, prometheus: { replicas: 1.5 } }, 'spec.prometheus.replicas', /int/],
    ['a bad URL', { ...minimal, exposure: { url: 'not a url' } }, 'spec.exposure.url', /http/],
    [
      'an ftp:// URL',
      { ...minimal, exposure: { url: 'ftp://prom.example.com' } },
      'spec.exposure.url',
      /http/,
    ],
    [
      'two exposure modes',
      { ...minimal, exposure: { url: 'http://x.example.com', loadBalancer: {} } },
      'spec.exposure',
      /exactly one of url, ingress, loadBalancer \(got url, loadBalancer\)/,
    ],
    ['no exposure mode', { ...minimal, exposure: {} }, 'spec.exposure', /one of url, ingress, loadBalancer/],
    ['missing exposure', { grafana: { instance: 'default' } }, 'spec.exposure', /expected object/],
    [
      'a bad retention',
      { ...minimal, prometheus: { retention: '15 days' } },
      'spec.prometheus.retention',
      /duration/,
    ],
    ['an empty retention', { ...minimal, prometheus: { retention: '' } }, 'spec.prometheus.retention', /.+/],
    [
      'a bad quantity',
      { ...minimal, prometheus: { resources: { limits: { memory: '1GB' } } } },
      'spec.prometheus.resources.limits.memory',
      /quantity/,
    ],
    [
      'an unquoted fractional quantity',
      { ...minimal, prometheus: { resources: { requests: { cpu: 0.5 } } } },
      'spec.prometheus.resources.requests.cpu',
      /quantity/,
    ],
    [
      'a storage without size',
      { ...minimal, prometheus: { storage: {} } },
      'spec.prometheus.storage.size',
      /.+/,
    ],
    [
      'an unknown deletionPolicy',
      { ...minimal, deletionPolicy: 'Keep' },
      'spec.deletionPolicy',
      /Delete.*Orphan/,
    ],
    ['orgId 0', { ...minimal, grafana: { instance: 'default', orgId: 0 } }, 'spec.grafana.orgId', />=1/],
    [
      'a datasource name over 190 bytes',
      // 100 characters but 200 bytes: the limit is on bytes.
      { ...minimal, grafana: { instance: 'default', name: 'é'.repeat(100) } },
      'spec.grafana.name',
      /190 bytes/,
    ],
    [
      'a non-DNS grafana instance',
      { ...minimal, grafana: { instance: 'Corp_EU' } },
      'spec.grafana.instance',
      /DNS/,
    ],
    [
      'an ingress host that is not a DNS name',
      { ...minimal, exposure: { ingress: { host: 'http://prom' } } },
      'spec.exposure.ingress.host',
      /DNS/,
    ],
    [
      'a loadBalancer port out of range',
      { ...minimal, exposure: { loadBalancer: { port: 70000 } } },
      'spec.exposure.loadBalancer.port',
      /65535/,
    ],
    [
      'a bad version',
      { ...minimal, prometheus: { version: '2.53' } },
      'spec.prometheus.version',
      /release tag/,
    ],
    // Strict: a typo is reported, not silently dropped (see crd/spec.ts).
    [
      'an unknown field',
      { ...minimal, prometheus: { replica: 3 } },
      'spec.prometheus',
      /Unrecognized key: "replica"/,
    ],
    ['an unknown top-level field', { ...minimal, grafanna: {} }, 'spec', /Unrecognized key: "grafanna"/],
    [
      'an unknown backend',
      { ...minimal, prometheus: { backend: 'Helm' } },
      'spec.prometheus.backend',
      /StatefulSet.*External/,
    ],
    // External: the other prometheus fields would be silently ignored, so they are refused.
    ...(['replicas', 'version', 'retention', 'image', 'resources', 'storage'] as const).map(
      (f): [string, unknown, string, RegExp] => [
        `${f} with backend External`,
        {
          ...minimal,
          prometheus: {
            backend: 'External',
            ...{
              replicas: { replicas: 2 },
              version: { version: 'v3.5.0' },
              retention: { retention: '1d' },
              image: { image: 'prom/prometheus' },
              resources: { resources: {} },
              storage: { storage: { size: '1Gi' } },
            }[f],
          },
        },
        `spec.prometheus.${f}`,
        /not allowed with backend External/,
      ],
    ),
    [
      'a serviceMonitorSelector with backend StatefulSet',
      { ...minimal, prometheus: { serviceMonitorSelector: {} } },
      'spec.prometheus.serviceMonitorSelector',
      /applies only to backend PrometheusOperator/,
    ],
    [
      'a podMonitorSelector with backend External',
      { ...minimal, prometheus: { backend: 'External', podMonitorSelector: {} } },
      'spec.prometheus.podMonitorSelector',
      /not allowed with backend External/,
    ],
    [
      'a bad label value in a monitor selector',
      {
        ...minimal,
        prometheus: { backend: 'PrometheusOperator', podMonitorSelector: { matchLabels: { team: 'a b' } } },
      },
      'spec.prometheus.podMonitorSelector.matchLabels.team',
      /label value/,
    ],
    [
      'an ingress with backend External',
      { ...minimal, prometheus: { backend: 'External' }, exposure: { ingress: { host: 'p.example.com' } } },
      'spec.exposure',
      /only exposure.url is allowed/,
    ],
    [
      'a loadBalancer with backend External',
      { ...minimal, prometheus: { backend: 'External' }, exposure: { loadBalancer: {} } },
      'spec.exposure',
      /only exposure.url is allowed/,
    ],
  ])('rejects %s', (_name, input, path, message) => {
    const error = parseError(input);
    expect(error.split('\n')).toContain(`  → at ${path}`);
    expect(error).toMatch(message);
  });

  it('reports every bad field at once', () => {
    const error = parseError({
      ...minimal,
      prometheus: { replicas: 0, retention: 'x' },
      deletionPolicy: 'x',
    });
    for (const p of ['spec.prometheus.replicas', 'spec.prometheus.retention', 'spec.deletionPolicy']) {
      expect(error.split('\n')).toContain(`  → at ${p}`);
    }
  });

  it('rejects a spec that is not an object', () => {
    expect(parseError('x').split('\n')).toContain('  → at spec');
  });
});

describe('MonitoringStackSchema', () => {
  const object = {
    apiVersion: 'stackwright.dev/v1alpha1',
    kind: 'MonitoringStack',
    metadata: {
      name: 'team-a',
      namespace: 'team-a',
      uid: '0b9c1f52-8d4e-4a8e-9f54-2c3e2f3a1b2c',
      generation: 2,
      resourceVersion: '1234',
      finalizers: ['stackwright.dev/teardown'],
      managedFields: [{ manager: 'kubectl' }],
    },
    spec: minimal,
    status: {
      phase: 'Ready',
      observedGeneration: 2,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'AllStepsSucceeded',
          message: '',
          lastTransitionTime: '2025-01-01T00:00:00Z',
        },
      ],
      datasource: { uid: 'abc-123', name: 'kind/team-a/team-a', grafanaInstance: 'default' },
      futureField: 1,
    },
  };

  it('parses an object as the apiserver returns it, dropping fields it does not use', () => {
    const stack = MonitoringStackSchema.parse(object);
    expect(stack.metadata).not.toHaveProperty('managedFields');
    expect(stack.status).not.toHaveProperty('futureField');
    expect(managed(stack.spec).replicas).toBe(1);
  });

  it('rejects a name that cannot name derived Services', () => {
    const r = MonitoringStackSchema.safeParse({
      ...object,
      metadata: { ...object.metadata, name: '1-team' },
    });
    expect(r.success).toBe(false);
  });

  it('rejects an unknown condition type', () => {
    const status = { conditions: [{ ...object.status.conditions[0], type: 'Happy' }] };
    expect(MonitoringStackSchema.safeParse({ ...object, status }).success).toBe(false);
  });
});
