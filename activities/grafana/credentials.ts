import fs from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { Env, GrafanaInstanceConfig } from './config.js';

/**
 * The Authorization header for one call, resolved now rather than at startup:
 * a token file is re-read every time, so rotating the secret needs no restart.
 * A missing credential is a configuration error retrying will not fix, so it
 * fails non-retryably, naming the variable or file but never a value.
 */
export async function authorizationHeader(instance: GrafanaInstanceConfig, env: Env): Promise<string> {
  const { auth } = instance;
  if ('tokenEnv' in auth) return `Bearer ${fromEnv(instance, env, auth.tokenEnv, 'auth.tokenEnv')}`;
  if ('tokenFile' in auth) return `Bearer ${await fromFile(instance, auth.tokenFile)}`;
  const user = fromEnv(instance, env, auth.basic.userEnv, 'auth.basic.userEnv');
  const password = fromEnv(instance, env, auth.basic.passwordEnv, 'auth.basic.passwordEnv');
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function fromEnv(instance: GrafanaInstanceConfig, env: Env, name: string, field: string): string {
  const value = env[name]?.trim();
  if (!value) {
    throw missing(instance, `environment variable ${name} (${field}) is not set or empty on this worker`);
  }
  return value;
}

async function fromFile(instance: GrafanaInstanceConfig, file: string): Promise<string> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw missing(instance, `token file ${file} (auth.tokenFile) cannot be read (${code})`);
  }
  const token = text.trim();
  if (!token) throw missing(instance, `token file ${file} (auth.tokenFile) is empty`);
  return token;
}

const missing = (instance: GrafanaInstanceConfig, what: string) =>
  ApplicationFailure.nonRetryable(
    `credentials for Grafana '${instance.name}' are missing: ${what}`,
    'GrafanaCredentialsMissing',
  );
