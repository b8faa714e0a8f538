import { describe, expect, it } from '@jest/globals';
import {
  GRAFANA_DATASOURCE_NAME_MAX_BYTES,
  datasourceName,
  defaultDatasourceName,
  utf8ByteLength,
} from '../../crd/index.js';

describe('datasource name', () => {
  it('defaults to <cluster>/<namespace>/<name>', () => {
    expect(defaultDatasourceName('prod-eu-1', 'team-a', 'metrics')).toBe('prod-eu-1/team-a/metrics');
  });

  it('uses spec.grafana.name when set, the default otherwise', () => {
    const metadata = { namespace: 'team-a', name: 'metrics' };
    expect(datasourceName({ metadata, spec: { grafana: { name: 'Team A' } } }, 'prod')).toBe('Team A');
    expect(datasourceName({ metadata, spec: { grafana: {} } }, 'prod')).toBe('prod/team-a/metrics');
  });

  it('shortens an over-long default to a unique name within the byte limit', () => {
    const cluster = 'c'.repeat(120);
    const a = defaultDatasourceName(cluster, 'n'.repeat(63), 'stack-a');
    const b = defaultDatasourceName(cluster, 'n'.repeat(63), 'stack-b');
    expect(utf8ByteLength(a)).toBeLessThanOrEqual(GRAFANA_DATASOURCE_NAME_MAX_BYTES);
    expect(a).not.toBe(b);
    expect(a).toBe(defaultDatasourceName(cluster, 'n'.repeat(63), 'stack-a'));
    expect(a.startsWith(`${cluster}/`)).toBe(true);
  });

  it('counts bytes, not characters, and never splits a character', () => {
    const name = defaultDatasourceName('é'.repeat(120), 'ns', 'x');
    expect(utf8ByteLength(name)).toBeLessThanOrEqual(GRAFANA_DATASOURCE_NAME_MAX_BYTES);
    expect(name).toMatch(/^é+~[0-9a-f]{8}$/);
    expect(utf8ByteLength('aé€😀')).toBe(1 + 2 + 3 + 4);
  });
});
