import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../config/parse-env.js';
import { loadWorkerConfig } from '../../worker/config.js';
import { describeError, failureExit, WORKER_EXIT, WorkerConfigError } from '../../worker/exit.js';
import { workerSetup } from '../../worker/setup.js';

/** Worker configuration from the environment: every mistake is one prettified error naming the variable. */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

/** The ConfigError a promise rejects with (a synchronous throw inside an async function rejects it). */
async function configErrorOf(p: Promise<unknown>): Promise<ConfigError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConfigError);
  return e as ConfigError;
}

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadWorkerConfig', () => {
  it('defaults to all roles against the local dev server', () => {
    expect(loadWorkerConfig({})).toEqual({
      STACKWRIGHT_ROLES: ['workflows', 'kubernetes', 'grafana'],
      STACKWRIGHT_CLUSTER: 'local',
      STACKWRIGHT_SHUTDOWN_GRACE_SECONDS: 20,
      STACKWRIGHT_GRAFANA_SWEEP_SECONDS: 10,
      STACKWRIGHT_MAX_CACHED_WORKFLOWS: 250,
      LOG_LEVEL: 'info',
    });
  });

  it('bounds the workflow cache (at least 2, as the SDK needs)', () => {
    expect(
      loadWorkerConfig({ STACKWRIGHT_MAX_CACHED_WORKFLOWS: '1000' }).STACKWRIGHT_MAX_CACHED_WORKFLOWS,
    ).toBe(1000);
    for (const bad of ['1', '0', '-5', 'many', '2.5'])
      expect(configError(() => loadWorkerConfig({ STACKWRIGHT_MAX_CACHED_WORKFLOWS: bad })).message).toMatch(
        /STACKWRIGHT_MAX_CACHED_WORKFLOWS/,
      );
  });

  it('reads one role per Deployment, trimmed', () => {
    const cfg = loadWorkerConfig({ STACKWRIGHT_ROLES: ' kubernetes ', STACKWRIGHT_CLUSTER: 'eu-1' });
    expect(cfg.STACKWRIGHT_ROLES).toEqual(['kubernetes']);
    expect(cfg.STACKWRIGHT_CLUSTER).toBe('eu-1');
  });

  it.each([
    [
      { STACKWRIGHT_ROLES: 'workflows,k8s' },
      'STACKWRIGHT_ROLES',
      /expected one of "workflows"\|"kubernetes"\|"grafana"/,
    ],
    [{ STACKWRIGHT_ROLES: ' , ' }, 'STACKWRIGHT_ROLES', /name at least one role/],
    [{ TEMPORAL_ADDRESS: 'temporal.example.com' }, 'TEMPORAL_ADDRESS', /must be host:port/],
    [{ TEMPORAL_ADDRESS: 'http://temporal:7233' }, 'TEMPORAL_ADDRESS', /must be host:port/],
    [{ TEMPORAL_TLS_CERT_PATH: '/tls/tls.crt' }, 'TEMPORAL_TLS_CERT_PATH', /TEMPORAL_TLS_CLIENT_CERT_PATH/],
    [{ TEMPORAL_TLS: 'yes' }, 'TEMPORAL_TLS', /expected one of .*"true"\|"false"/],
    [{ STACKWRIGHT_METRICS_ADDRESS: '9464' }, 'STACKWRIGHT_METRICS_ADDRESS', /must be host:port/],
    [{ STACKWRIGHT_CLUSTER: 'EU_1' }, 'STACKWRIGHT_CLUSTER', /DNS label/],
    [{ STACKWRIGHT_SHUTDOWN_GRACE_SECONDS: 'soon' }, 'STACKWRIGHT_SHUTDOWN_GRACE_SECONDS', /number/],
    [{ STACKWRIGHT_GRAFANA_SWEEP_SECONDS: '0' }, 'STACKWRIGHT_GRAFANA_SWEEP_SECONDS', />=1/],
    [{ STACKWRIGHT_GRAFANA_SWEEP_SECONDS: '2.5' }, 'STACKWRIGHT_GRAFANA_SWEEP_SECONDS', /int/],
    [{ STACKWRIGHT_GRAFANA_SWEEP_SECONDS: 'often' }, 'STACKWRIGHT_GRAFANA_SWEEP_SECONDS', /number/],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', /expected one of/],
  ])('rejects %j naming %s', (env, variable, why) => {
    const { message } = configError(() => loadWorkerConfig(env));
    expect(message).toMatch(/^invalid worker configuration \(environment\):\n✖ /);
    expect(message).toContain(`→ at ${variable}`);
    expect(message).toMatch(why);
  });

  it('lists every bad variable at once', () => {
    const { message } = configError(() =>
      loadWorkerConfig({ STACKWRIGHT_ROLES: 'nope', STACKWRIGHT_METRICS_ADDRESS: 'x', LOG_LEVEL: 'loud' }),
    );
    for (const v of ['STACKWRIGHT_ROLES', 'STACKWRIGHT_METRICS_ADDRESS', 'LOG_LEVEL']) {
      expect(message).toContain(`→ at ${v}`);
    }
  });
});

describe('workerSetup', () => {
  const kubeconfig = file(
    'kubeconfig',
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443" } }]',
      'users: [{ name: u, user: { token: t } }]',
      'contexts: [{ name: x, context: { cluster: c, user: u } }]',
      'current-context: x',
    ].join('\n'),
  );

  it('loads only what the roles need', async () => {
    const s = await workerSetup({ STACKWRIGHT_ROLES: 'kubernetes', KUBECONFIG: kubeconfig });
    expect(s.kubeConfig?.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(s.grafana).toBeUndefined();
    const g = await workerSetup({
      STACKWRIGHT_ROLES: 'grafana',
      GRAFANA_URL: 'http://g:3000',
      GRAFANA_TOKEN: 't',
    });
    expect(g.grafana?.instances.names).toEqual(['default']);
    expect(g.kubeConfig).toBeUndefined();
  });

  it.each([
    [
      { STACKWRIGHT_ROLES: 'nope' },
      /^invalid worker configuration \(environment\):\n.*\n {2}→ at STACKWRIGHT_ROLES/,
    ],
    [
      { STACKWRIGHT_ROLES: 'workflows', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' },
      /^TEMPORAL_TLS_SERVER_CA_CERT_PATH .*: cannot read/,
    ],
    [{ STACKWRIGHT_ROLES: 'kubernetes', KUBECONFIG: '/nonexistent/kubeconfig' }, /^KUBECONFIG: .*ENOENT/],
    [
      { STACKWRIGHT_ROLES: 'grafana', GRAFANA_URL: '' },
      /no Grafana configured: set STACKWRIGHT_GRAFANA_CONFIG/,
    ],
    [
      { STACKWRIGHT_ROLES: 'grafana', STACKWRIGHT_GRAFANA_CONFIG: '/nonexistent/g.yaml' },
      /STACKWRIGHT_GRAFANA_CONFIG/,
    ],
    [
      { STACKWRIGHT_ROLES: 'workflows', STACKWRIGHT_WORKFLOW_BUNDLE: '/nonexistent/bundle.js' },
      /^STACKWRIGHT_WORKFLOW_BUNDLE: .*ENOENT/,
    ],
  ])('%j is a ConfigError naming its source', async (env, message) => {
    const e = await configErrorOf(workerSetup(env));
    expect(e.message).toMatch(message);
    // The CLI (`stackwright worker`) exits with an error's exitCode: 2 here too.
    expect(e).toBeInstanceOf(WorkerConfigError);
    expect(e).toMatchObject({ exitCode: WORKER_EXIT.config });
  });

  it('ignores a bundle path when the process does not run workflows', async () => {
    await expect(
      workerSetup({
        STACKWRIGHT_ROLES: 'kubernetes',
        KUBECONFIG: kubeconfig,
        STACKWRIGHT_WORKFLOW_BUNDLE: '/nonexistent/bundle.js',
      }),
    ).resolves.toBeDefined();
  });
});

describe('failureExit', () => {
  it('exit code 2 and the message alone for configuration errors', () => {
    expect(failureExit(new ConfigError('invalid worker configuration'))).toEqual({
      code: WORKER_EXIT.config,
      line: 'stackwright worker: invalid worker configuration\n',
    });
  });

  it('exit code 1 and the causes on one line for everything else', () => {
    const e = new Error('Failed to connect before the deadline', {
      cause: new Error('tcp connect error: Connection refused'),
    });
    expect(failureExit(e)).toEqual({
      code: WORKER_EXIT.failure,
      line: 'stackwright worker: failed: Failed to connect before the deadline: tcp connect error: Connection refused\n',
    });
    expect(describeError('plain')).toBe('plain');
  });
});
