import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { prometheusConfig } from '../../activities/kubernetes/prometheus-config.js';

describe('prometheus.yml', () => {
  it('external labels name the cluster, namespace and stack, so series stay distinct across clusters', () => {
    const east = parse(prometheusConfig({ cluster: 'east', namespace: 'team-a', name: 'web' }, '')) as {
      global: { external_labels: Record<string, string> };
    };
    expect(east.global.external_labels).toEqual({ cluster: 'east', namespace: 'team-a', stack: 'web' });
    const local = prometheusConfig({ cluster: 'local', namespace: 'team-a', name: 'web' }, '');
    expect(local).not.toEqual(prometheusConfig({ cluster: 'east', namespace: 'team-a', name: 'web' }, ''));
  });
});
