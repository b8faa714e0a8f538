import { describe, expect, it } from '@jest/globals';
import { CLUSTER_NAMES, clusterDef, clusterDefs } from '../../devstack/clusters.js';
import { PORT_OFFSET, PORTS } from '../../devstack/ports.js';

// Base ports before any offset: other checkouts run at offsets that are multiples of 100.
const base = Object.values(PORTS).map((p) => p - PORT_OFFSET);

describe('local stack clusters', () => {
  it('local, east, west, in that order; local keeps the one-cluster ports and files', () => {
    expect(clusterDefs(3).map((c) => c.name)).toEqual(['local', 'east', 'west']);
    const local = clusterDef('local');
    expect(local.ports.apiserver).toBe(PORTS.apiserver);
    expect(local.kubeconfig).toMatch(/\.stackwright\/kubeconfig$|\/kubeconfig$/);
    expect(local.componentPrefix).toBe('');
    expect(clusterDef('east').kubeconfig).toMatch(/clusters\/east\/kubeconfig$/);
    expect(clusterDef('east').envFile).toMatch(/clusters\/east\/env$/);
  });

  it('extra clusters: ports within +50 of their base, off every base port at any offset of 100s', () => {
    const used = new Set<number>(Object.values(PORTS));
    for (const name of CLUSTER_NAMES.slice(1)) {
      const c = clusterDef(name);
      for (const [k, p] of Object.entries(c.ports)) {
        const own = PORTS[k as keyof typeof PORTS];
        expect(p - own).toBeGreaterThan(0);
        expect(p - own).toBeLessThanOrEqual(50);
        // Never another checkout's base port: last two digits differ from every base port's.
        for (const b of base) expect(((p - PORT_OFFSET) % 100) - (b % 100)).not.toBe(0);
        expect(used.has(p)).toBe(false);
        used.add(p);
      }
    }
  });

  it('own data per cluster: distinct etcd prefixes', () => {
    const prefixes = CLUSTER_NAMES.map((n) => clusterDef(n).etcdPrefix);
    expect(new Set(prefixes).size).toBe(3);
    expect(prefixes[0]).toBe('/registry');
  });

  it('a cluster count outside 1..3 is refused', () => {
    for (const n of [0, 4, 1.5, NaN]) expect(() => clusterDefs(n)).toThrow(/from 1 to 3/);
  });
});
