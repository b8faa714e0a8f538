import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { MonitoringStackSchema, exposureMode } from '../../crd/index.js';

describe('examples/team-a.yaml', () => {
  const doc: unknown = parse(readFileSync(new URL('../../examples/team-a.yaml', import.meta.url), 'utf8'));

  it('is a valid MonitoringStack for the local stack', () => {
    const stack = MonitoringStackSchema.parse(doc);
    expect(stack.metadata.namespace).toBe('team-a');
    expect(stack.spec.grafana.instance).toBe('default');
    expect(exposureMode(stack.spec.exposure)).toEqual({ mode: 'url', url: 'http://127.0.0.1:9090' });
  });
});

describe('examples/external.yaml', () => {
  const doc: unknown = parse(readFileSync(new URL('../../examples/external.yaml', import.meta.url), 'utf8'));

  it('is a valid External MonitoringStack: only the url, nothing to run', () => {
    const stack = MonitoringStackSchema.parse(doc);
    expect(stack.spec.prometheus).toEqual({ backend: 'External' });
    expect(exposureMode(stack.spec.exposure)).toEqual({ mode: 'url', url: 'http://127.0.0.1:9090' });
  });
});

describe('examples/prometheus-operator.yaml', () => {
  const doc: unknown = parse(
    readFileSync(new URL('../../examples/prometheus-operator.yaml', import.meta.url), 'utf8'),
  );

  it('is a valid PrometheusOperator MonitoringStack', () => {
    const stack = MonitoringStackSchema.parse(doc);
    expect(stack.spec.prometheus).toMatchObject({
      backend: 'PrometheusOperator',
      replicas: 1,
      serviceMonitorSelector: { matchLabels: { team: 'team-c' } },
    });
  });
});
