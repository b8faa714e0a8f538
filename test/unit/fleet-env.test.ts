import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from 'commander';
import { clusterCount } from '../../cli/cluster-count.js';
import { agentEnv, controlPlaneEnv } from '../../cli/fleet.js';

const shell = {
  PATH: '/usr/bin',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  TEMPORAL_NAMESPACE: 'fleet',
  KUBECONFIG: '/home/me/.kube/local',
  STACKWRIGHT_CLUSTER: 'local',
  GRAFANA_URL: 'http://grafana',
  GRAFANA_TOKEN: 'glsa_secret',
  GRAFANA_ADMIN_PASSWORD: 'pw',
  STACKWRIGHT_GRAFANA_CONFIG: '/etc/grafana.yaml',
};

describe('fleet process environments', () => {
  it('the control plane gets Temporal and Grafana, and no cluster credentials', () => {
    const env = controlPlaneEnv(shell);
    expect(env.KUBECONFIG).toBeUndefined();
    expect(env.STACKWRIGHT_CLUSTER).toBeUndefined();
    expect(env).toMatchObject({ GRAFANA_TOKEN: 'glsa_secret', TEMPORAL_NAMESPACE: 'fleet' });
  });

  it("an agent gets its own cluster's kubeconfig and name, the shell's Temporal, and nothing of Grafana", () => {
    const env = agentEnv(shell, {
      KUBECONFIG: '/state/clusters/east/kubeconfig',
      STACKWRIGHT_CLUSTER: 'east',
      TEMPORAL_NAMESPACE: 'default',
      GRAFANA_TOKEN: 'smuggled',
    });
    expect(env).toMatchObject({
      KUBECONFIG: '/state/clusters/east/kubeconfig',
      STACKWRIGHT_CLUSTER: 'east',
      TEMPORAL_NAMESPACE: 'fleet',
      PATH: '/usr/bin',
    });
    expect(Object.keys(env).filter((k) => /GRAFANA/.test(k))).toEqual([]);
  });

  it('an agent whose cluster file names no kubeconfig does not inherit the shell one', () => {
    const env = agentEnv(shell, { STACKWRIGHT_CLUSTER: 'east' });
    expect(env.KUBECONFIG).toBeUndefined();
  });
});

describe('--clusters <n>', () => {
  it('takes 1 to 3 and refuses anything else with a usage error', () => {
    expect([1, 2, 3].map((n) => clusterCount(String(n)))).toEqual([1, 2, 3]);
    for (const bad of ['0', '4', 'two', '1.5', ''])
      expect(() => clusterCount(bad)).toThrow(InvalidArgumentError);
  });
});
