import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ApplicationFailure } from '@temporalio/common';
import { pino } from 'pino';
import { createGrafanaActivities } from '../../activities/grafana/activities.js';
import { loadGrafanaInstances, type GrafanaInstanceConfig } from '../../activities/grafana/config.js';
import { authorizationHeader } from '../../activities/grafana/credentials.js';
import { REDACT_PATHS } from '../../observability/logger.js';

/** Worker-side Grafana instance config: parsing, env fallback, call-time credentials, redaction. */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
const configEnv = (file: string, extra: Record<string, string> = {}) => ({
  STACKWRIGHT_GRAFANA_CONFIG: file,
  ...extra,
});
const loadError = (env: Record<string, string | undefined>): string => {
  try {
    loadGrafanaInstances(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the config to be rejected');
};

describe('loadGrafanaInstances: config file', () => {
  it('reads a YAML file with every auth kind, TLS and defaults', () => {
    const file = write(
      'good.yaml',
      `instances:
  - name: company
    url: https://grafana.example.com/
    auth: { tokenEnv: COMPANY_TOKEN }
    tls: { caFile: /etc/ssl/grafana-ca.pem }
    timeoutSeconds: 30
  - name: lab
    url: http://127.0.0.1:3000/grafana
    auth:
      tokenFile: /var/run/secrets/grafana/token
  - name: legacy
    url: http://legacy:3000
    auth:
      basic: { userEnv: LEGACY_USER, passwordEnv: LEGACY_PASSWORD }
`,
    );
    const instances = loadGrafanaInstances(configEnv(file));
    expect(instances.names).toEqual(['company', 'lab', 'legacy']);
    expect(instances.source).toBe(file);
    expect(instances.get('company')).toEqual({
      name: 'company',
      url: 'https://grafana.example.com', // trailing slash dropped
      auth: { tokenEnv: 'COMPANY_TOKEN' },
      tls: { caFile: '/etc/ssl/grafana-ca.pem', insecureSkipVerify: false },
      timeoutSeconds: 30,
    });
    expect(instances.get('lab')).toMatchObject({
      url: 'http://127.0.0.1:3000/grafana',
      auth: { tokenFile: '/var/run/secrets/grafana/token' },
      timeoutSeconds: 10,
    });
    expect(instances.get('legacy').auth).toEqual({
      basic: { userEnv: 'LEGACY_USER', passwordEnv: 'LEGACY_PASSWORD' },
    });
  });

  it('reads JSON too', () => {
    const file = write(
      'good.json',
      JSON.stringify({ instances: [{ name: 'a', url: 'http://a:3000', auth: { tokenEnv: 'A' } }] }),
    );
    expect(loadGrafanaInstances(configEnv(file)).names).toEqual(['a']);
  });

  it('rejects duplicate names, naming the file and the entry', () => {
    const file = write(
      'dup.yaml',
      `instances:
  - { name: a, url: "http://a:3000", auth: { tokenEnv: A } }
  - { name: a, url: "http://b:3000", auth: { tokenEnv: B } }
`,
    );
    const message = loadError(configEnv(file));
    expect(message).toContain(`invalid Grafana config ${file}`);
    expect(message).toContain("duplicate instance name 'a'");
    expect(message).toContain('→ at instances[1].name');
  });

  it('rejects a bad URL and a non-DNS-label name', () => {
    const file = write(
      'bad-url.yaml',
      `instances:
  - { name: Company_1, url: "grafana.example.com", auth: { tokenEnv: A } }
`,
    );
    const message = loadError(configEnv(file));
    expect(message).toContain(file);
    expect(message).toMatch(/must be an http\(s\) URL\n\s+→ at instances\[0\]\.url/);
    expect(message).toContain('→ at instances[0].name');
  });

  it('rejects an unknown auth shape with a prettified error naming the path', () => {
    const file = write(
      'bad-auth.yaml',
      `instances:
  - name: a
    url: http://a:3000
    auth: { token: glsa_inline_secrets_are_not_allowed }
`,
    );
    const message = loadError(configEnv(file));
    expect(message).toContain(file);
    expect(message).toContain(
      '✖ must be one of { tokenEnv }, { tokenFile } or { basic: { userEnv, passwordEnv } }\n  → at instances[0].auth',
    );
    // The offending value is never echoed back.
    expect(message).not.toContain('glsa_inline');
  });

  it('rejects unknown keys, empty instance lists and unparsable files', () => {
    const extra = write(
      'extra.yaml',
      'instances:\n  - { name: a, url: "http://a", auth: { tokenEnv: A }, colour: blue }\n',
    );
    expect(loadError(configEnv(extra))).toContain('→ at instances[0]');
    expect(loadError(configEnv(write('empty.yaml', 'instances: []\n')))).toContain(
      'configure at least one Grafana instance',
    );
    expect(loadError(configEnv(write('broken.yaml', 'instances: [\n')))).toContain(
      'cannot read Grafana config',
    );
    expect(loadError(configEnv(path.join(dir, 'missing.yaml')))).toContain('missing.yaml');
  });
});

describe('loadGrafanaInstances: environment fallback', () => {
  it('GRAFANA_URL + GRAFANA_TOKEN make one instance "default" reading the token from GRAFANA_TOKEN', () => {
    const instances = loadGrafanaInstances({
      GRAFANA_URL: 'http://127.0.0.1:3000/',
      GRAFANA_TOKEN: 'glsa_x',
    });
    expect(instances.names).toEqual(['default']);
    expect(instances.get('default')).toEqual({
      name: 'default',
      url: 'http://127.0.0.1:3000',
      auth: { tokenEnv: 'GRAFANA_TOKEN' },
      timeoutSeconds: 10,
    });
  });

  it('the file wins over GRAFANA_URL', () => {
    const file = write('only.yaml', 'instances: [{ name: only, url: "http://o", auth: { tokenEnv: O } }]\n');
    expect(loadGrafanaInstances(configEnv(file, { GRAFANA_URL: 'http://x' })).names).toEqual(['only']);
  });

  it('neither: a clear error', () => {
    expect(loadError({})).toMatch(/no Grafana configured: set STACKWRIGHT_GRAFANA_CONFIG .* GRAFANA_URL/);
  });

  it('a bad GRAFANA_URL is reported', () => {
    expect(loadError({ GRAFANA_URL: 'localhost:3000' })).toContain('→ at instances[0].url');
  });

  it('an unknown instance is a non-retryable failure listing the configured ones', () => {
    const instances = loadGrafanaInstances({ GRAFANA_URL: 'http://g' });
    let failure: unknown;
    try {
      instances.get('company');
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).message).toBe(
      "unknown Grafana instance 'company' (configured: default)",
    );
  });
});

describe('credentials, resolved at call time', () => {
  const instance = (auth: GrafanaInstanceConfig['auth']): GrafanaInstanceConfig => ({
    name: 'x',
    url: 'http://127.0.0.1:9',
    auth,
    timeoutSeconds: 1,
  });

  it('reads the env var on every call', async () => {
    const env: Record<string, string | undefined> = { T: 'one' };
    const inst = instance({ tokenEnv: 'T' });
    expect(await authorizationHeader(inst, env)).toBe('Bearer one');
    env.T = 'two';
    expect(await authorizationHeader(inst, env)).toBe('Bearer two');
  });

  it('re-reads a token file, trimming the newline', async () => {
    const file = write('token', 'glsa_first\n');
    const inst = instance({ tokenFile: file });
    expect(await authorizationHeader(inst, {})).toBe('Bearer glsa_first');
    fs.writeFileSync(file, 'glsa_rotated\n');
    expect(await authorizationHeader(inst, {})).toBe('Bearer glsa_rotated');
  });

  it('basic auth from two env vars', async () => {
    const inst = instance({ basic: { userEnv: 'U', passwordEnv: 'P' } });
    expect(await authorizationHeader(inst, { U: 'admin', P: 's3cret' })).toBe(
      `Basic ${Buffer.from('admin:s3cret').toString('base64')}`,
    );
  });

  it.each([
    [{ tokenEnv: 'NOT_SET' }, {}, 'environment variable NOT_SET (auth.tokenEnv) is not set or empty'],
    [{ tokenEnv: 'EMPTY' }, { EMPTY: '  ' }, 'environment variable EMPTY (auth.tokenEnv)'],
    [
      { tokenFile: '/nonexistent/token' },
      {},
      'token file /nonexistent/token (auth.tokenFile) cannot be read',
    ],
    [
      { basic: { userEnv: 'U', passwordEnv: 'P' } },
      { U: 'admin' },
      'environment variable P (auth.basic.passwordEnv)',
    ],
  ] as const)('a missing credential %j is a clear non-retryable failure', async (auth, env, text) => {
    const failure = await authorizationHeader(instance(auth), env).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).type).toBe('GrafanaCredentialsMissing');
    expect((failure as ApplicationFailure).message).toContain("credentials for Grafana 'x' are missing");
    expect((failure as ApplicationFailure).message).toContain(text);
  });

  it('an empty token file is a clear failure', async () => {
    const file = write('empty-token', '\n');
    await expect(authorizationHeader(instance({ tokenFile: file }), {})).rejects.toThrow(/is empty/);
  });

  it('an activity whose token env var is missing fails non-retryably before any request', async () => {
    const file = write(
      'missing-env.yaml',
      'instances: [{ name: g, url: "http://127.0.0.1:9", auth: { tokenEnv: STACKWRIGHT_TEST_UNSET } }]\n',
    );
    const activities = createGrafanaActivities({ instances: loadGrafanaInstances(configEnv(file)) });
    const failure = await activities.grafanaPreflight({ instance: 'g', orgId: 1 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).message).toBe(
      "credentials for Grafana 'g' are missing: environment variable STACKWRIGHT_TEST_UNSET (auth.tokenEnv) is not set or empty on this worker",
    );
  });
});

describe('log redaction', () => {
  it('hides Authorization headers and tokens wherever they appear', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = pino({ redact: [...REDACT_PATHS] }, sink);
    log.info({ headers: { Authorization: 'Bearer glsa_secret1' } }, 'a');
    log.info({ err: { config: { headers: { Authorization: 'Bearer glsa_secret2' } } } }, 'b');
    log.info({ req: { headers: { authorization: 'Basic c2VjcmV0Mw==' } } }, 'c');
    log.info({ err: { request: { _header: 'GET / HTTP/1.1\r\nAuthorization: Bearer glsa_secret4' } } }, 'd');
    log.info({ token: 'glsa_secret5', auth: { password: 'secret6' } }, 'e');
    const out = lines.join('');
    for (const secret of ['secret1', 'secret2', 'c2VjcmV0Mw', 'secret4', 'secret5', 'secret6']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('[Redacted]');
  });
});
