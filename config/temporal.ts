import { loadClientConfigProfile, type ClientConfigProfile } from '@temporalio/envconfig';
import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError, hostPort } from './parse-env.js';

/**
 * How every Stackwright process reaches Temporal, the Temporal way: a profile
 * from temporal.toml (TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml;
 * TEMPORAL_PROFILE picks one, default "default") overridden by the standard
 * variables, resolved by @temporalio/envconfig exactly as the Temporal CLI and
 * SDKs do. We only add checks, so a bad value is a clear error naming its source.
 */
const bool = z.enum(['true', 'false', '1', '0']);
const renamed = (standard: string) =>
  z.undefined({ error: `renamed to Temporal's standard ${standard}` }).optional();

/** The standard variables, checked for bad values; resolution is envconfig's. */
export const TemporalEnvSchema = z
  .object({
    TEMPORAL_ADDRESS: hostPort.optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).optional(),
    TEMPORAL_API_KEY: z.string().min(1).optional(),
    TEMPORAL_PROFILE: z.string().min(1).optional(),
    TEMPORAL_CONFIG_FILE: z.string().min(1).optional(),
    TEMPORAL_TLS: bool.optional(),
    TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
    TEMPORAL_TLS_CLIENT_CERT_DATA: z.string().min(1).optional(),
    TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
    TEMPORAL_TLS_CLIENT_KEY_DATA: z.string().min(1).optional(),
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
    TEMPORAL_TLS_SERVER_CA_CERT_DATA: z.string().min(1).optional(),
    TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
    // Our names before envconfig: refused rather than silently ignored.
    TEMPORAL_TLS_CERT_PATH: renamed('TEMPORAL_TLS_CLIENT_CERT_PATH'),
    TEMPORAL_TLS_KEY_PATH: renamed('TEMPORAL_TLS_CLIENT_KEY_PATH'),
    TEMPORAL_TLS_CA_PATH: renamed('TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
  })
  .refine((e) => !(e.TEMPORAL_TLS_CLIENT_CERT_PATH && e.TEMPORAL_TLS_CLIENT_CERT_DATA), {
    message: 'set TEMPORAL_TLS_CLIENT_CERT_PATH or TEMPORAL_TLS_CLIENT_CERT_DATA, not both',
    path: ['TEMPORAL_TLS_CLIENT_CERT_DATA'],
  })
  .refine((e) => !(e.TEMPORAL_TLS_CLIENT_KEY_PATH && e.TEMPORAL_TLS_CLIENT_KEY_DATA), {
    message: 'set TEMPORAL_TLS_CLIENT_KEY_PATH or TEMPORAL_TLS_CLIENT_KEY_DATA, not both',
    path: ['TEMPORAL_TLS_CLIENT_KEY_DATA'],
  })
  .refine((e) => !(e.TEMPORAL_TLS_SERVER_CA_CERT_PATH && e.TEMPORAL_TLS_SERVER_CA_CERT_DATA), {
    message: 'set TEMPORAL_TLS_SERVER_CA_CERT_PATH or TEMPORAL_TLS_SERVER_CA_CERT_DATA, not both',
    path: ['TEMPORAL_TLS_SERVER_CA_CERT_DATA'],
  });

export interface TemporalConnectionConfig {
  address: string;
  namespace: string;
  apiKey?: string;
  metadata?: Record<string, string>;
  tls?:
    | boolean
    | {
        serverNameOverride?: string;
        serverRootCACertificate?: Buffer;
        clientCertPair?: { crt: Buffer; key: Buffer };
      };
}

export const TEMPORAL_DEFAULTS = { address: '127.0.0.1:7233', namespace: 'default' } as const;

/**
 * The connection settings from env (+ temporal.toml), certificates read.
 * Throws ConfigError naming the variable, profile key or file that is wrong.
 */
export function temporalConnectionConfig(env: NodeJS.ProcessEnv): TemporalConnectionConfig {
  const checked = TemporalEnvSchema.safeParse(env);
  if (!checked.success)
    throw new ConfigError(`invalid Temporal configuration (environment):\n${z.prettifyError(checked.error)}`);

  const vars = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const where = profileSource(vars);
  // envconfig treats a missing file as "no profiles"; one named explicitly must exist.
  const file = vars.TEMPORAL_CONFIG_FILE;
  if (file && !fs.existsSync(file)) throw new ConfigError(`TEMPORAL_CONFIG_FILE: ${file} does not exist`);
  let p: ClientConfigProfile;
  try {
    p = loadClientConfigProfile({ overrideEnvVars: vars, configFileStrict: true });
  } catch (e) {
    throw new ConfigError(`Temporal profile (${where}): ${(e as Error).message}`, { cause: e });
  }

  const address = p.address ?? TEMPORAL_DEFAULTS.address;
  if (!hostPort.safeParse(address).success)
    throw new ConfigError(`Temporal address '${address}' (${where}: address) must be host:port`);
  if (p.namespace === '') throw new ConfigError(`Temporal namespace (${where}: namespace) is empty`);
  const t = p.tls;
  if (t?.disabled && (p.apiKey || t.clientCert || t.serverCACert))
    throw new ConfigError(
      'TEMPORAL_TLS=false (or tls.disabled) contradicts the API key / client certificate / CA (they need TLS)',
    );
  if (!t?.clientCert !== !t?.clientKey)
    throw new ConfigError(
      'a client certificate and its key go together (TEMPORAL_TLS_CLIENT_CERT_* and TEMPORAL_TLS_CLIENT_KEY_*)',
    );

  return {
    address,
    namespace: p.namespace ?? TEMPORAL_DEFAULTS.namespace,
    ...(p.apiKey ? { apiKey: p.apiKey } : {}),
    ...(p.grpcMeta && Object.keys(p.grpcMeta).length ? { metadata: p.grpcMeta } : {}),
    ...tlsOption(p),
  };
}

function tlsOption(p: ClientConfigProfile): Pick<TemporalConnectionConfig, 'tls'> {
  const t = p.tls;
  if (t?.disabled) return { tls: false };
  const tls: Exclude<TemporalConnectionConfig['tls'], boolean | undefined> = {};
  if (t?.serverName) tls.serverNameOverride = t.serverName;
  const ca = read(t?.serverCACert, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH / tls.server_ca_cert_path');
  if (ca) tls.serverRootCACertificate = ca;
  const crt = read(t?.clientCert, 'TEMPORAL_TLS_CLIENT_CERT_PATH / tls.client_cert_path');
  const key = read(t?.clientKey, 'TEMPORAL_TLS_CLIENT_KEY_PATH / tls.client_key_path');
  if (crt && key) tls.clientCertPair = { crt, key };
  // Any TLS setting or an API key (Temporal Cloud) means TLS; plain gRPC otherwise.
  if (Object.keys(tls).length) return { tls };
  return t || p.apiKey ? { tls: true } : {};
}

type Source = { path: string } | { data: string | Uint8Array } | undefined;
function read(src: Source, what: string): Buffer | undefined {
  if (!src) return undefined;
  if ('data' in src) return Buffer.from(src.data);
  try {
    return fs.readFileSync(src.path);
  } catch (e) {
    throw new ConfigError(`${what}: cannot read ${src.path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Where the profile comes from, for error messages. */
function profileSource(env: Record<string, string>): string {
  const file = env.TEMPORAL_CONFIG_FILE ?? '~/.config/temporalio/temporal.toml';
  return `profile '${env.TEMPORAL_PROFILE ?? 'default'}' of ${file}`;
}
