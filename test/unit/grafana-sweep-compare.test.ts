import { describe, expect, it } from '@jest/globals';
import { findDrift, type SweepExpectation } from '../../activities/grafana/sweep-compare.js';
import {
  datasourceFingerprint,
  desiredDatasource,
  expectedDatasourceKey,
  parseExpectedDatasourceKey,
} from '../../domain/desired-datasource.js';

const want = (name: string, url = 'http://prom:9090') =>
  desiredDatasource({ name, url, isDefault: false, jsonData: { timeInterval: '30s' } });

/** A `GET /api/datasources` item as Grafana lists it (extra fields included). */
const listed = (uid: string, d: ReturnType<typeof want>, extra: Record<string, unknown> = {}) => ({
  id: 1,
  uid,
  orgId: 1,
  typeName: 'Prometheus',
  typeLogoUrl: 'public/x.svg',
  user: '',
  database: '',
  readOnly: false,
  ...d,
  ...extra,
});

const stack = (uid: string, d: ReturnType<typeof want>, orgId = 1): SweepExpectation => ({
  workflowId: `stack/local/ns/${uid}`,
  expected: { orgId, uid, fingerprint: datasourceFingerprint(d) },
});

const lists = (byOrg: Record<number, unknown[]>, truncated = false) =>
  new Map(Object.entries(byOrg).map(([org, items]) => [Number(org), { items, truncated }]));

describe('findDrift (the Grafana sweep comparison)', () => {
  it('finds nothing when every owned field is as expected, whatever Grafana adds around them', () => {
    const d = want('a');
    expect(findDrift([stack('sw-a', d)], lists({ 1: [listed('sw-a', d)] }))).toEqual([]);
    // Key order inside jsonData does not matter.
    const reordered = listed('sw-a', { ...d, jsonData: { timeInterval: '30s', httpMethod: 'POST' } });
    expect(findDrift([stack('sw-a', d)], lists({ 1: [reordered] }))).toEqual([]);
  });

  it('reports a missing datasource and one whose url, name, isDefault or jsonData differ', () => {
    const stacks = ['a', 'b', 'c', 'd', 'e'].map((n) => stack(`sw-${n}`, want(n)));
    const live = [
      listed('sw-b', want('b', 'http://hijacked:9090')),
      listed('sw-c', want('renamed')),
      listed('sw-d', want('d'), { isDefault: true }),
      listed('sw-e', want('e'), { jsonData: { httpMethod: 'GET', timeInterval: '30s' } }),
    ];
    expect(findDrift(stacks, lists({ 1: live }))).toEqual([
      { workflowId: 'stack/local/ns/sw-a', uid: 'sw-a', orgId: 1, drift: 'missing' },
      { workflowId: 'stack/local/ns/sw-b', uid: 'sw-b', orgId: 1, drift: 'differs' },
      { workflowId: 'stack/local/ns/sw-c', uid: 'sw-c', orgId: 1, drift: 'differs' },
      { workflowId: 'stack/local/ns/sw-d', uid: 'sw-d', orgId: 1, drift: 'differs' },
      { workflowId: 'stack/local/ns/sw-e', uid: 'sw-e', orgId: 1, drift: 'differs' },
    ]);
  });

  it('ignores foreign datasources, even odd-shaped ones, and the same uid in another org', () => {
    const d = want('a');
    const live = [
      { uid: 'theirs', name: 'x', type: 'loki', url: 'http://elsewhere' },
      { uid: 42, name: null },
      'not even an object',
      null,
      listed('sw-a', d),
    ];
    expect(findDrift([stack('sw-a', d)], lists({ 1: live }))).toEqual([]);
    // Expected in org 2, present only in org 1: missing there.
    expect(findDrift([stack('sw-a', d, 2)], lists({ 1: [listed('sw-a', d)], 2: [] }))).toEqual([
      { workflowId: 'stack/local/ns/sw-a', uid: 'sw-a', orgId: 2, drift: 'missing' },
    ]);
  });

  it('an org that was not listed, or whose list may be cut short, reports nothing missing', () => {
    const d = want('a');
    expect(findDrift([stack('sw-a', d, 3)], lists({ 1: [] }))).toEqual([]);
    expect(findDrift([stack('sw-a', d)], lists({ 1: [] }, true))).toEqual([]);
    // What it does list is still compared.
    expect(
      findDrift([stack('sw-a', d)], lists({ 1: [listed('sw-a', want('a', 'http://x'))] }, true)),
    ).toEqual([{ workflowId: 'stack/local/ns/sw-a', uid: 'sw-a', orgId: 1, drift: 'differs' }]);
  });

  it('one of ours with a malformed item counts as drifted (its own drift check says what is wrong)', () => {
    const d = want('a');
    expect(findDrift([stack('sw-a', d)], lists({ 1: [{ uid: 'sw-a', name: 7 }] }))).toEqual([
      { workflowId: 'stack/local/ns/sw-a', uid: 'sw-a', orgId: 1, drift: 'differs' },
    ]);
  });
});

describe('the StackDatasource search attribute', () => {
  it('round-trips, and a value that is not one is refused', () => {
    const e = { orgId: 12, uid: 'sw-0123', fingerprint: datasourceFingerprint(want('a')) };
    expect(parseExpectedDatasourceKey(expectedDatasourceKey(e))).toEqual(e);
    for (const bad of ['', '0/sw-a/' + e.fingerprint, '1/sw a/' + e.fingerprint, '1/sw-a/abc', 'x/y/z'])
      expect(parseExpectedDatasourceKey(bad)).toBeUndefined();
  });

  it('the fingerprint changes with every owned field and with nothing else', () => {
    const base = datasourceFingerprint(want('a'));
    expect(datasourceFingerprint({ ...want('a') })).toBe(base);
    expect(datasourceFingerprint(want('a', 'http://other'))).not.toBe(base);
    expect(datasourceFingerprint({ ...want('a'), isDefault: true })).not.toBe(base);
    expect(datasourceFingerprint({ ...want('a'), jsonData: {} })).not.toBe(base);
  });
});
