import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../config/parse-env.js';
import { loadWatcherConfig } from '../../watcher/config.js';
import { runWatcherProcess } from '../../watcher/main.js';
import { DEFAULT_STACK_OPTIONS } from '../../workflows/options.js';

const base = { POD_NAMESPACE: 'stackwright-system', POD_NAME: 'watcher-0' };

describe('watcher configuration (environment)', () => {
  it('has production defaults: all namespaces, leader election on a lease in the pod namespace', () => {
    const c = loadWatcherConfig(base);
    expect(c).toMatchObject({
      STACKWRIGHT_CLUSTER: 'local',
      STACKWRIGHT_WATCH_NAMESPACES: [],
      STACKWRIGHT_LEADER_ELECTION: 'true',
      STACKWRIGHT_LEASE_NAME: 'stackwright-watcher',
      STACKWRIGHT_LEASE_DURATION_MS: 15_000,
      STACKWRIGHT_LEASE_RENEW_MS: 5_000,
      STACKWRIGHT_HTTP_ADDRESS: '0.0.0.0:8080',
      STACKWRIGHT_WATCHER_CONCURRENCY: 64,
    });
    expect(c.STACKWRIGHT_STACK_OPTIONS).toBeUndefined();
  });

  it('parses namespace lists, timings and stack options', () => {
    const c = loadWatcherConfig({
      ...base,
      STACKWRIGHT_WATCH_NAMESPACES: 'team-a, team-b,,',
      STACKWRIGHT_LEASE_DURATION_MS: '6000',
      STACKWRIGHT_LEASE_RENEW_MS: '2000',
      STACKWRIGHT_HTTP_ADDRESS: '[::]:9000',
      STACKWRIGHT_STACK_OPTIONS: '{"pollIntervalMs":1000}',
      STACKWRIGHT_WATCHER_CONCURRENCY: '16',
    });
    expect(c.STACKWRIGHT_WATCHER_CONCURRENCY).toBe(16);
    expect(c.STACKWRIGHT_WATCH_NAMESPACES).toEqual(['team-a', 'team-b']);
    expect(c.STACKWRIGHT_LEASE_DURATION_MS).toBe(6_000);
    expect(c.STACKWRIGHT_STACK_OPTIONS).toEqual({ pollIntervalMs: 1000 });
  });

  it('accepts every stack option the workflow knows, continueAsNewAfter included', () => {
    const c = loadWatcherConfig({ ...base, STACKWRIGHT_STACK_OPTIONS: '{"continueAsNewAfter":50}' });
    expect(c.STACKWRIGHT_STACK_OPTIONS).toEqual({ continueAsNewAfter: 50 });
    const all = JSON.stringify(DEFAULT_STACK_OPTIONS);
    expect(loadWatcherConfig({ ...base, STACKWRIGHT_STACK_OPTIONS: all }).STACKWRIGHT_STACK_OPTIONS).toEqual(
      DEFAULT_STACK_OPTIONS,
    );
  });

  it.each([
    [{ STACKWRIGHT_WATCH_NAMESPACES: 'Team_A' }, 'STACKWRIGHT_WATCH_NAMESPACES'],
    [{ STACKWRIGHT_STACK_OPTIONS: '{not json' }, 'STACKWRIGHT_STACK_OPTIONS'],
    [{ STACKWRIGHT_STACK_OPTIONS: '{"pollIntervalMS":1}' }, 'pollIntervalMS'],
    [{ STACKWRIGHT_STACK_OPTIONS: '{"continueAsNewAfter":0}' }, 'continueAsNewAfter'],
    [{ STACKWRIGHT_STACK_OPTIONS: '[1]' }, 'STACKWRIGHT_STACK_OPTIONS'],
    [{ STACKWRIGHT_LEASE_RENEW_MS: '8000' }, 'STACKWRIGHT_LEASE_RENEW_MS'],
    [{ STACKWRIGHT_HTTP_ADDRESS: 'localhost' }, 'STACKWRIGHT_HTTP_ADDRESS'],
    [{ POD_NAMESPACE: undefined }, 'STACKWRIGHT_LEASE_NAMESPACE'],
    [{ STACKWRIGHT_WATCHER_CONCURRENCY: '0' }, 'STACKWRIGHT_WATCHER_CONCURRENCY'],
    [{ STACKWRIGHT_WATCHER_CONCURRENCY: 'many' }, 'STACKWRIGHT_WATCHER_CONCURRENCY'],
  ])('rejects %j, naming %s', (env, name) => {
    expect(() => loadWatcherConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadWatcherConfig({ ...base, ...env })).toThrow(name);
  });

  it('needs no lease namespace without leader election', () => {
    expect(loadWatcherConfig({ STACKWRIGHT_LEADER_ELECTION: 'false' }).POD_NAMESPACE).toBeUndefined();
  });
});

describe('runWatcherProcess', () => {
  it('fails with a ConfigError before connecting anywhere', async () => {
    await expect(runWatcherProcess({ ...base, STACKWRIGHT_LEASE_RENEW_MS: '0' })).rejects.toThrow(
      ConfigError,
    );
    await expect(runWatcherProcess({ ...base, KUBECONFIG: '/nonexistent/kubeconfig' })).rejects.toThrow(
      /KUBECONFIG/,
    );
  });
});
