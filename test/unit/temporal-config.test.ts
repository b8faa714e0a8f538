import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../config/parse-env.js';
import { temporalConnectionConfig } from '../../config/temporal.js';
import { loadWatcherConfig } from '../../watcher/config.js';

// Temporal settings resolved by @temporalio/envconfig: temporal.toml profiles,
// overridden by the standard TEMPORAL_* variables, plus our checks for bad values.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
const ca = file('ca.pem', 'CA');
const crt = file('tls.crt', 'CERT');
const key = file('tls.key', 'KEY');
// No HOME: the user's own ~/.config/temporalio/temporal.toml must not leak into the tests.
const conn = (env: Record<string, string>) => temporalConnectionConfig({ HOME: dir, ...env });
const toml = file(
  'temporal.toml',
  `[profile.default]
address = "temporal.internal:7233"
namespace = "ops"

[profile.cloud]
address = "eu-west-1.aws.api.temporal.io:7233"
namespace = "prod.abc12"
api_key = "cloud-key"

[profile.mtls]
address = "temporal.internal:7233"
[profile.mtls.tls]
client_cert_path = "${crt}"
client_key_path = "${key}"
server_ca_cert_path = "${ca}"
server_name = "temporal.internal"
`,
);

function configError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('temporalConnectionConfig: environment', () => {
  it('plain gRPC to the dev server by default', () => {
    expect(conn({})).toEqual({ address: '127.0.0.1:7233', namespace: 'default' });
  });

  it('TLS with the system roots', () => {
    expect(conn({ TEMPORAL_ADDRESS: 'temporal.example.com:7233', TEMPORAL_TLS: 'true' }).tls).toBe(true);
  });

  it('TLS with a private CA and a server name', () => {
    expect(
      conn({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }).tls,
    ).toEqual({ serverNameOverride: 'temporal.internal', serverRootCACertificate: Buffer.from('CA') });
  });

  it('mTLS from certificate files or inline data', () => {
    const c = conn({
      TEMPORAL_TLS_CLIENT_CERT_PATH: crt,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_NAMESPACE: 'prod',
    });
    expect(c).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'prod',
      tls: { clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') } },
    });
    expect(conn({ TEMPORAL_TLS_CLIENT_CERT_DATA: 'C', TEMPORAL_TLS_CLIENT_KEY_DATA: 'K' }).tls).toEqual({
      clientCertPair: { crt: Buffer.from('C'), key: Buffer.from('K') },
    });
  });

  it('an API key implies TLS (Temporal Cloud); gRPC metadata from TEMPORAL_GRPC_META_*', () => {
    const c = conn({ TEMPORAL_API_KEY: 'key-1', TEMPORAL_GRPC_META_X_TEAM: 'ops' });
    expect(c).toMatchObject({ apiKey: 'key-1', tls: true, metadata: { 'x-team': 'ops' } });
  });

  it.each([
    [{ TEMPORAL_ADDRESS: 'temporal.example.com' }, /must be host:port\n {2}→ at TEMPORAL_ADDRESS/],
    [{ TEMPORAL_TLS: 'yes' }, /→ at TEMPORAL_TLS/],
    [{ TEMPORAL_NAMESPACE: '' }, /→ at TEMPORAL_NAMESPACE/],
    // The names we used before envconfig would silently do nothing: refused, with the standard name.
    [
      { TEMPORAL_TLS_CERT_PATH: crt },
      /renamed to Temporal's standard TEMPORAL_TLS_CLIENT_CERT_PATH\n {2}→ at TEMPORAL_TLS_CERT_PATH/,
    ],
    [{ TEMPORAL_TLS_CA_PATH: ca }, /TEMPORAL_TLS_SERVER_CA_CERT_PATH/],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: crt }, /client certificate and its key go together/],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: crt, TEMPORAL_TLS_CLIENT_CERT_DATA: 'x' }, /not both/],
    [{ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }, /contradicts the API key/],
    [
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'missing.pem') },
      /^TEMPORAL_TLS_SERVER_CA_CERT_PATH \/ tls.server_ca_cert_path: cannot read .*missing\.pem: ENOENT/,
    ],
  ])('%j is a clear error', (env, message) => {
    expect(configError(() => conn(env))).toMatch(message);
  });

  it('the process configs check the same variables (listed with their own)', () => {
    expect(() =>
      loadWatcherConfig({ TEMPORAL_TLS_KEY_PATH: key, STACKWRIGHT_LEADER_ELECTION: 'false' }),
    ).toThrow(/TEMPORAL_TLS_CLIENT_KEY_PATH/);
  });
});

describe('temporalConnectionConfig: temporal.toml profiles', () => {
  it('the default profile of TEMPORAL_CONFIG_FILE', () => {
    expect(conn({ TEMPORAL_CONFIG_FILE: toml })).toEqual({
      address: 'temporal.internal:7233',
      namespace: 'ops',
    });
  });

  it('the default file location (~/.config/temporalio/temporal.toml), as the Temporal CLI reads it', () => {
    const home = fs.mkdtempSync(path.join(dir, 'home-'));
    fs.mkdirSync(path.join(home, '.config', 'temporalio'), { recursive: true });
    fs.copyFileSync(toml, path.join(home, '.config', 'temporalio', 'temporal.toml'));
    expect(conn({ HOME: home, TEMPORAL_PROFILE: 'cloud' })).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      namespace: 'prod.abc12',
      apiKey: 'cloud-key',
      tls: true,
    });
  });

  it('a profile with mTLS; variables override the profile', () => {
    const c = conn({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'mtls', TEMPORAL_NAMESPACE: 'n2' });
    expect(c).toEqual({
      address: 'temporal.internal:7233',
      namespace: 'n2',
      tls: {
        serverNameOverride: 'temporal.internal',
        serverRootCACertificate: Buffer.from('CA'),
        clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
      },
    });
  });

  it.each([
    [
      { TEMPORAL_PROFILE: 'nope' },
      /^Temporal profile \(profile 'nope' of .*temporal\.toml\): Profile 'nope' not found/,
    ],
    [
      { TEMPORAL_CONFIG_FILE: path.join(dir, 'none.toml') },
      /^TEMPORAL_CONFIG_FILE: .*none\.toml does not exist/,
    ],
    [
      { TEMPORAL_CONFIG_FILE: file('typo.toml', '[profile.default]\nadress = "x:1"\n') },
      /unrecognized.*adress/,
    ],
    [{ TEMPORAL_CONFIG_FILE: file('bad.toml', '[profile.default\n') }, /^Temporal profile .*bad\.toml\): /],
    [
      { TEMPORAL_CONFIG_FILE: file('addr.toml', '[profile.default]\naddress = "http://t:7233"\n') },
      /address 'http:\/\/t:7233' \(profile 'default' of .*addr\.toml: address\) must be host:port/,
    ],
  ])('%j is a clear error', (env, message) => {
    expect(configError(() => conn({ TEMPORAL_CONFIG_FILE: toml, ...env }))).toMatch(message);
  });
});
