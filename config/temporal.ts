import fs from 'node:fs';
import { z } from 'zod';
import { hostPort } from './parse-env.js';

/**
 * How every Stackwright process reaches Temporal: the dev server (plain gRPC),
 * a self-hosted cluster with (m)TLS, or Temporal Cloud with an API key.
 * Parsed from the environment; errors are prettified and name the variable.
 */
export const TemporalEnvSchema = z
  .object({
    TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_API_KEY: z.string().min(1).optional(),
    TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
    TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
    TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
    TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
    TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  })
  .refine((e) => (e.TEMPORAL_TLS_CERT_PATH === undefined) === (e.TEMPORAL_TLS_KEY_PATH === undefined), {
    message: 'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together',
    path: ['TEMPORAL_TLS_KEY_PATH'],
  })
  .refine(
    (e) =>
      !(
        e.TEMPORAL_TLS === 'false' &&
        (e.TEMPORAL_API_KEY || e.TEMPORAL_TLS_CERT_PATH || e.TEMPORAL_TLS_CA_PATH)
      ),
    {
      message:
        'TEMPORAL_TLS=false contradicts TEMPORAL_API_KEY / TEMPORAL_TLS_* (an API key or certificate needs TLS)',
      path: ['TEMPORAL_TLS'],
    },
  );

export type TemporalEnv = z.output<typeof TemporalEnvSchema>;

export interface TemporalConnectionConfig {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?:
    | boolean
    | {
        serverNameOverride?: string;
        serverRootCACertificate?: Buffer;
        clientCertPair?: { crt: Buffer; key: Buffer };
      };
}

const read = (file: string, what: string): Buffer => {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new Error(`${what}: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
};

export function temporalConnectionConfig(env: TemporalEnv): TemporalConnectionConfig {
  const tls: Exclude<TemporalConnectionConfig['tls'], boolean | undefined> = {};
  if (env.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = env.TEMPORAL_TLS_SERVER_NAME;
  if (env.TEMPORAL_TLS_CA_PATH)
    tls.serverRootCACertificate = read(env.TEMPORAL_TLS_CA_PATH, 'TEMPORAL_TLS_CA_PATH');
  if (env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH) {
    tls.clientCertPair = {
      crt: read(env.TEMPORAL_TLS_CERT_PATH, 'TEMPORAL_TLS_CERT_PATH'),
      key: read(env.TEMPORAL_TLS_KEY_PATH, 'TEMPORAL_TLS_KEY_PATH'),
    };
  }
  const custom = Object.keys(tls).length > 0;
  // An API key (Temporal Cloud) or any TLS setting implies TLS.
  const useTls = env.TEMPORAL_TLS === 'true' || env.TEMPORAL_API_KEY !== undefined || custom;
  return {
    address: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE,
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
    ...(useTls ? { tls: custom ? tls : true } : {}),
  };
}
